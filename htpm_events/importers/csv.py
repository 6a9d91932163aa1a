"""CSV import (SPEC §6): the §2 names as headers, "|" between several values in a cell,
``all_day`` 1 or empty. Each row is checked by :class:`EventForm`, the same rules as the
submission form; a file with any bad row saves nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _

from ..events.forms import EVENT_FIELDS, EventForm, FormValues, check
from ..text import markdown_to_text
from .base import ImportError_, data_hash

MULTI_FIELDS = ("topics", "audiences", "accessibility", "languages")
#: Columns that are not event fields but are understood.
EXTRA_COLUMNS = {"uid"}


#: Each header seen: (the field's name, 1 for a multi-valued field, 2 for all_day, else 0).
_HEADERS: dict[str, tuple[str, int]] = {}


def row_formdata(row: dict[str, str], defaults: dict[str, str]) -> FormValues:
    data = FormValues()
    headers = _HEADERS
    for key, value in row.items():
        if key is None:
            continue
        header = headers.get(key)
        if header is None:
            name = key.strip()
            header = (name, 1 if name in MULTI_FIELDS else 2 if name == "all_day" else 0)
            if len(headers) < 1000:
                headers[key] = header
        key, kind = header
        value = value.strip() if value else ""
        if not value and defaults.get(key):
            value = defaults[key]
        if kind == 0:
            if key in data:
                data[key].append(value)
            else:
                data[key] = [value]
        elif kind == 1:
            parts = [part.strip() for part in value.split("|") if part.strip()]
            if parts:
                data.setdefault(key, []).extend(parts)
        elif value and value.lower() not in ("0", "false", "no"):
            data.setdefault(key, []).append("y")
    for key, value in defaults.items():
        if key not in data and value:
            data[key] = [value]
    if "recurrence" not in data or not data.first("recurrence"):
        data["recurrence"] = ["none"]
    if not data.first("registration_mode"):
        data["registration_mode"] = ["external" if data.first("registration_url") else "none"]
    return data


def external_uid(row: dict[str, str]) -> str:
    """The row's ``uid`` column, or a key from what identifies an event in a file without one."""
    if (row.get("uid") or "").strip():
        return row["uid"].strip()
    key = "|".join(
        (row.get(k) or "").strip().lower()
        for k in ("title", "organization", "start_date", "start_time")
    )
    return "csv-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def read_rows(stream: io.TextIOBase) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(stream)
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k):
            continue
        yield reader.line_num, row


def check_header(stream: io.TextIOBase) -> list[ImportError_]:
    header = next(csv.reader(stream), None)
    if not header:
        return [
            ImportError_(1, None, _("The file is empty: the first line must name the columns."))
        ]
    known = set(EVENT_FIELDS) | EXTRA_COLUMNS
    unknown = [h for h in header if h.strip() and h.strip() not in known]
    errors = [ImportError_(1, h, _("Unknown column.")) for h in unknown]
    for required in ("title", "organization", "start_date"):
        if required not in [h.strip() for h in header]:
            errors.append(ImportError_(1, required, _("Missing column.")))
    return errors


def new_form() -> tuple[EventForm, dict]:
    """One form, filled again for every row (building a form, binding its fields, costs more
    than checking a row), and its fields' defaults given as data: WTForms otherwise tries
    calling each default (a TypeError caught per field and row). Callable defaults are still
    called per row."""
    form = EventForm(formdata=None, meta={"csrf": False})
    fixed = {name: field.default for name, field in form._fields.items()}
    return form, {name: value for name, value in fixed.items() if not callable(value)}


def check_row(
    form: EventForm,
    fixed: dict,
    row: dict[str, str],
    defaults: dict[str, str],
    transform: Callable[[dict], dict] | None = None,
    line: int | None = None,
) -> tuple[dict | None, list[ImportError_]]:
    """One row checked by ``form`` (an :class:`EventForm` reused for every row, ``fixed``
    the fields' non-callable defaults, the same dict for every row): the clean data, or
    None and the errors (reported at ``line``)."""
    if not check(form, row_formdata(row, defaults), fixed):
        errors = [
            ImportError_(line, name, str(msg)) for name, msgs in form.errors.items() for msg in msgs
        ]
        return None, errors
    data = form.data
    if transform:
        data = transform(data)
    return data, []


def validate_rows(
    open_stream: Callable[[], io.TextIOBase],
    defaults: dict[str, str],
    transform: Callable[[dict], dict] | None = None,
) -> Iterator[tuple[int, dict[str, str], dict | None, list[ImportError_]]]:
    """Yield (line, row, clean data or None, errors) for every row of the file."""
    with open_stream() as stream:
        header_errors = check_header(stream)
    if header_errors:
        yield 1, {}, None, header_errors
        return
    form, fixed = new_form()
    with open_stream() as stream:
        for line, row in read_rows(stream):
            data, errors = check_row(form, fixed, row, defaults, transform, line)
            yield line, row, data, errors


@dataclass
class Checked:
    """A row as :func:`check_rows` returns it (from a worker process: picklable)."""

    line: int
    #: The event's key in the file (:func:`external_uid`).
    uid: str
    #: The clean §2 data, None when the row has errors.
    data: dict | None
    errors: list[ImportError_]
    #: The import fingerprint of ``data`` and the description's plain text.
    digest: str | None = None
    text: str | None = None


#: The form :func:`check_rows` reuses, per thread (a form is not safe to share) and app.
_forms = threading.local()


def check_rows(rows: list[tuple[int, dict[str, str]]], context: tuple) -> list[Checked]:
    """A chunk of a file's rows checked, with what saving each will need (run by
    :func:`.parallel.prepared`, possibly in a worker process)."""
    defaults, year = context
    # One form per thread and app, so that its field memo lasts the whole file.
    forms = _forms.__dict__.setdefault("by_app", weakref.WeakKeyDictionary())
    app = current_app._get_current_object()
    if app not in forms:
        forms[app] = new_form()
    form, fixed = forms[app]
    out = []
    for line, row in rows:
        data, errors = check_row(form, fixed, row, defaults, line=line)
        checked = Checked(line, external_uid(row), data, errors)
        if data is not None:
            if year:
                data = checked.data = shift_year(data, year)
            checked.digest = data_hash(data)
            checked.text = markdown_to_text(data.get("description") or "")
        out.append(checked)
    return out


def shift_year(data: dict, year: int) -> dict:
    """Place an event in the January of ``year``, keeping month, day and local times."""
    start = data["start_date"]
    delta = year - start.year
    if not delta:
        return data

    def move(value):
        if value is None:
            return None
        try:
            return value.replace(year=value.year + delta)
        except ValueError:  # Feb 29 into a common year
            return value.replace(year=value.year + delta, day=28)

    data = dict(data)
    for name in ("start_date", "end_date", "recurrence_until", "registration_deadline"):
        if isinstance(data.get(name), date):
            data[name] = move(data[name])
    return data
