"""Running an import: validate everything first, then apply all of it in one transaction."""

from __future__ import annotations

import io
import pickle
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

from ..events.models import Event, EventRevision
from ..events.services import (
    apply_data,
    bump_data_version,
    find_or_create_organization,
    form_data,
    revision_payload,
)
from ..extensions import db
from ..moderation.models import AuditEntry
from ..timeutil import now_utc
from . import csv as csv_import
from .base import ImportError_, ImportFailed, ImportResult
from .models import ImportSource

BATCH = 500


def file_source(
    path: str,
    organization: str | None = None,
    level: str | None = None,
    trusted: bool = False,
    url: str | None = None,
) -> ImportSource:
    """The import source of a local file, found by its absolute path (created on first use)."""
    url = url or "file:" + str(Path(path).resolve())
    source = db.session.scalar(sa.select(ImportSource).where(ImportSource.url == url))
    if source is None:
        source = ImportSource(
            kind="file", url=url, organization=organization, level=level, trusted=trusted
        )
        db.session.add(source)
        db.session.flush()
    return source


def import_csv(
    open_stream: Callable[[], io.TextIOBase],
    source: ImportSource,
    *,
    organization: str | None = None,
    level: str | None = None,
    trusted: bool = False,
    year: int | None = None,
    actor: str = "import",
) -> ImportResult:
    """Import a CSV file into ``source``. Raises :class:`ImportFailed` (nothing applied)
    when any row is bad; every error is reported by line and column."""
    defaults = {k: v for k, v in (("organization", organization), ("level", level)) if v}
    transform = (lambda data: csv_import.shift_year(data, year)) if year else None
    result = ImportResult()

    # First pass: every row checked. Checked rows are spilled to a temporary file rather
    # than kept in memory, so a file of any size can be imported.
    with tempfile.TemporaryFile() as spill:
        seen: dict[str, int] = {}
        for line, row, data, errors in csv_import.validate_rows(open_stream, defaults, transform):
            result.errors.extend(errors)
            if not row:
                continue
            uid = csv_import.external_uid(row)
            if uid in seen:
                result.errors.append(
                    ImportError_(line, None, f"The same event as line {seen[uid]}.")
                )
            seen.setdefault(uid, line)
            if not result.errors:
                pickle.dump((uid, data), spill, protocol=pickle.HIGHEST_PROTOCOL)
        del seen
        if result.errors:
            raise ImportFailed(result)
        spill.seek(0)
        apply_rows(unspill(spill), source, trusted, result)
    if result.created or result.updated:
        bump_data_version()
    db.session.add(
        AuditEntry(
            actor=actor,
            action="import",
            details={
                "source_id": source.id,
                "trusted": trusted or source.trusted,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    )
    return result


def unspill(spill) -> Iterator[tuple[str, dict]]:
    while True:
        try:
            yield pickle.load(spill)
        except EOFError:
            return


def apply_rows(
    rows: Iterator[tuple[str, dict]], source: ImportSource, trusted: bool, result: ImportResult
) -> None:
    """Second pass: create or update each checked row's event. The caller commits once."""

    existing = dict(
        db.session.execute(
            sa.select(Event.external_uid, Event.id).where(Event.import_source_id == source.id)
        ).all()
    )
    trusted = trusted or source.trusted
    organizations = {}
    batch: list[Event] = []
    for uid, data in rows:
        name = data["organization"]
        if name not in organizations:
            organizations[name] = find_or_create_organization(
                name, data.get("level"), data.get("state")
            )
        org = organizations[name]
        if uid in existing:
            event = db.session.get(Event, existing[uid])
            outcome = update_event(event, data, org, trusted)
            setattr(result, outcome, getattr(result, outcome) + 1)
        else:
            event = Event(source="csv", import_source_id=source.id, external_uid=uid)
            apply_data(event, {**data, "organization": None})
            event.organization = org
            if trusted or org.trusted:
                event.status = "approved"
                event.published = now_utc()
            db.session.add(event)
            result.created += 1
        batch.append(event)
        if len(batch) >= BATCH:
            flush_batch(batch)
    flush_batch(batch)
    source.last_polled = source.last_success = now_utc()
    source.last_error = None


def flush_batch(batch: list[Event]) -> None:
    """Write a batch and let go of it, so that a large file does not fill memory."""
    db.session.flush()
    for event in batch:
        for tag in event.tags:
            db.session.expunge(tag)
        db.session.expunge(event)
    batch.clear()


def update_event(event: Event, data: dict, org, trusted: bool) -> str:
    """Apply an imported change: unchanged, applied at once, or held for moderation."""
    current = form_data(event)
    if event.organization_id == org.id and all(
        (current.get(k) or None) == (v or None) for k, v in data.items() if k != "organization"
    ):
        return "unchanged"
    if event.status == "approved" and not (trusted or org.trusted):
        db.session.add(EventRevision(event=event, data=revision_payload(data), source="csv"))
        return "updated"
    apply_data(event, {**data, "organization": None})
    event.organization = org
    event.updated = now_utc()
    if event.status == "approved":
        event.sequence += 1
    elif trusted or org.trusted:
        event.status = "approved"
        event.published = event.published or now_utc()
    return "updated"


def open_path(path: str) -> Callable[[], io.TextIOBase]:
    return lambda: open(path, newline="", encoding="utf-8-sig")
