"""CSV import (SPEC §6): the §2 names as headers, "|" between several values in a cell,
``all_day`` 1 or empty. Each row is checked by :class:`EventForm`, the same rules as the
submission form; a file with any bad row saves nothing."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from datetime import date

from flask_babel import gettext as _

from ..events.forms import EVENT_FIELDS, EventForm, check
from .base import ImportError_

MULTI_FIELDS = ("topics", "audiences", "accessibility", "languages")
#: Columns that are not event fields but are understood.
EXTRA_COLUMNS = {"uid"}


class RowValues(dict):
    """A row's values as lists by field name, read by the form as it reads a MultiDict
    (``name in values``, ``values.getlist(name)``); cheaper to build for every row."""

    __slots__ = ()

    def getlist(self, key: str) -> list:
        return list(self[key]) if key in self else []

    def first(self, key: str):
        values = dict.get(self, key)
        return values[0] if values else None


def row_formdata(row: dict[str, str], defaults: dict[str, str]) -> RowValues:
    data = RowValues()
    for key, value in row.items():
        if key is None:
            continue
        key = key.strip()
        value = (value or "").strip()
        if not value and defaults.get(key):
            value = defaults[key]
        if key in MULTI_FIELDS:
            parts = [part.strip() for part in value.split("|") if part.strip()]
            if parts:
                data.setdefault(key, []).extend(parts)
        elif key == "all_day":
            if value and value.lower() not in ("0", "false", "no"):
                data.setdefault(key, []).append("y")
        else:
            data.setdefault(key, []).append(value)
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
    # One form, filled again for every row: building a form (binding its fields) costs more
    # than checking a row.
    form = EventForm(formdata=None, meta={"csrf": False})
    # The fields' defaults, given as data: WTForms otherwise tries calling each default
    # (a TypeError caught per field and row). Callable defaults are still called per row.
    fixed = {name: field.default for name, field in form._fields.items()}
    fixed = {name: value for name, value in fixed.items() if not callable(value)}
    with open_stream() as stream:
        for line, row in read_rows(stream):
            data, errors = check_row(form, fixed, row, defaults, transform, line)
            yield line, row, data, errors


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
