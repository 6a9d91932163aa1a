"""Running an import: validate everything first, then apply all of it in one transaction."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_ngettext

from ..bulk import insert_rows, next_ids
from ..events.models import Event, EventRevision, EventTag
from ..events.occurrence_rows import store_occurrences
from ..events.search import index_events
from ..events.services import (
    apply_data,
    bump_data_version,
    cancel,
    find_or_create_organization,
    form_data,
    revision_payload,
)
from ..extensions import db
from ..moderation.models import AuditEntry
from ..text import markdown_to_text
from ..timeutil import now_utc
from . import csv as csv_import
from . import ics as ics_import
from .base import ImportedEvent, ImportError_, ImportFailed, ImportResult, data_hash
from .models import ImportSource
from .parallel import chunked, prepared

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
    defaults: dict | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Import a CSV file into ``source``. Raises :class:`ImportFailed` when any row is bad,
    with every error by line and column; the caller then rolls back, and nothing is saved.
    ``defaults`` fill the cells a row leaves empty (a batch's contact).

    One pass over the file: rows are checked a chunk at a time (in worker processes for a
    large file, :mod:`.parallel`) and written as they come, until a row has an error; from
    then on the rest is only checked, so that every error is reported."""
    defaults = {k: v for k, v in (defaults or {}).items() if v}
    defaults.update({k: v for k, v in (("organization", organization), ("level", level)) if v})
    with open_stream() as stream:
        header_errors = csv_import.check_header(stream)
    if header_errors:
        raise ImportFailed(ImportResult(errors=header_errors))
    result = ImportResult()

    def checked() -> Iterator[ImportedEvent]:
        seen: dict[str, int] = {}
        with open_stream() as stream:
            chunks = chunked(csv_import.read_rows(stream))
            for rows in prepared(csv_import.check_rows, chunks, (defaults, year)):
                if progress:
                    progress("checked", len(rows))
                for row in rows:
                    result.errors.extend(row.errors)
                    if row.uid in seen:
                        message = _("The same event as line %(line)d.", line=seen[row.uid])
                        result.errors.append(ImportError_(row.line, None, message))
                    seen.setdefault(row.uid, row.line)
                    if not result.errors:
                        yield ImportedEvent(
                            key=row.uid, line=row.line, data=row.data, digest=row.digest,
                            text=row.text,
                        )  # fmt: skip

    apply_records(checked(), source, trusted, result, kind="csv", progress=progress)
    if result.errors:
        raise ImportFailed(result)
    if result.created or result.updated:
        bump_data_version()
    counts = {k: v for k, v in result.counts().items() if k in ("created", "updated", "unchanged")}
    audit_import(actor, source, trusted, counts)
    return result


class Held(Exception):
    """A source run that needs a moderator's confirmation: nothing was applied."""


def source_defaults(
    source: ImportSource, organization: str | None = None, level: str | None = None
) -> dict:
    return {
        "organization": organization or source.organization,
        "level": level or source.level,
        "state": source.state,
        "topics": [t for t in (source.topics or "").split("|") if t],
        "event_type": source.event_type,
        "format": source.format,
        "timezone": source.timezone,
        "contact_name": source.contact_name,
        "contact_email": source.contact_email,
    }


def upcoming_keys(source: ImportSource) -> set[str]:
    """Keys of the source's events that are still to happen and still listed."""
    return set(
        db.session.scalars(
            sa.select(Event.external_uid).where(
                Event.import_source_id == source.id,
                Event.status.in_(("approved", "pending", "changes-requested")),
                sa.or_(Event.series_ends_at.is_(None), Event.series_ends_at > now_utc()),
            )
        )
    )


def import_ics(
    data: bytes,
    source: ImportSource,
    *,
    organization: str | None = None,
    level: str | None = None,
    trusted: bool = False,
    sync: bool = False,
    confirm: bool = False,
    actor: str = "import",
    progress: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Import an .ics file or feed into ``source``: all of it or nothing.

    Raises :class:`ImportFailed` with every error (line, UID and title); with ``sync`` (a
    polled source) events the source no longer lists are cancelled, and :class:`Held` is
    raised instead when that would cancel more than half of its upcoming events (unless a
    moderator ``confirm``-ed the run). Either way the caller rolls back: events are
    written as they are mapped (:class:`.ics.Reading`), before the last VEVENT is read."""
    reading = ics_import.Reading(data, source_defaults(source, organization, level))
    result = ImportResult(errors=reading.errors)
    if reading.errors:
        raise ImportFailed(result)
    keys: set[str] = set()
    upcoming = upcoming_keys(source) if sync else set()

    def records() -> Iterator[ImportedEvent]:
        for record in reading.records(progress):
            keys.add(record.key)
            yield record

    def vanished() -> Collection[str]:
        """Once every record is applied: the source's upcoming events it no longer lists
        (a run that would cancel more than half of them is held: the caller rolls back)."""
        if reading.errors or not sync:
            return ()
        vanish = upcoming - keys
        if vanish and len(vanish) * 2 > len(upcoming) and not confirm:
            raise Held(
                lazy_ngettext(
                    "This run would cancel %(num)d of the source's %(upcoming)d upcoming events.",
                    "This run would cancel %(num)d of the source's %(upcoming)d upcoming events.",
                    len(vanish),
                    upcoming=len(upcoming),
                )
            )
        return vanish

    apply_records(
        records(), source, trusted, result, kind="ics", vanish=vanished, progress=progress
    )
    if reading.errors:
        result.errors = reading.errors
        raise ImportFailed(result)
    source.held_reason = None
    if result.created or result.updated or result.cancelled:
        bump_data_version()
    audit_import(actor, source, trusted, result.counts())
    return result


def audit_import(actor, source: ImportSource, trusted: bool, counts: dict[str, int]) -> None:
    """The audit log's line for an applied import run."""
    details = {"source_id": source.id, "trusted": trusted or source.trusted, **counts}
    db.session.add(AuditEntry(actor=actor, action="import", details=details))


def is_ics(head: bytes) -> bool:
    return ics_import.looks_like_ics(head)


def state_hash(event: Event) -> str:
    """A fingerprint of the event as the public and moderators see it."""
    state = form_data(event)
    state.update(rrule=event.rrule, rdates=event.rdates, exdates=event.exdates)
    return data_hash(state)


def apply_records(
    records: Iterable[ImportedEvent],
    source: ImportSource,
    trusted: bool,
    result: ImportResult,
    *,
    kind: str = "ics",
    vanish: Callable[[], Collection[str]] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> None:
    """Create, update or cancel each checked record's event (the caller commits once).

    An unchanged event is left alone; a changed one is updated, or for an untrusted source's
    published event held for moderation while the published version stays live; a
    moderator's hand edit is never overwritten (the change is held and shows as a conflict).
    ``vanish``: called once every record is applied, the keys of this source's events that
    the source no longer lists: cancelled."""
    existing = {
        key: (event_id, digest)
        for key, event_id, digest in db.session.execute(
            sa.select(Event.external_uid, Event.id, Event.import_hash).where(
                Event.import_source_id == source.id
            )
        )
    }
    from ..moderation.duplicates import ListedElsewhere

    trusted = trusted or source.trusted
    elsewhere = ListedElsewhere(source.id)
    organizations: dict[str, object] = {}
    batch: list[Event] = []
    drafts: list[Draft] = []
    for record in records:
        data = record.data
        name = data["organization"]
        if name not in organizations:
            organizations[name] = find_or_create_organization(
                name, data.get("level"), data.get("state")
            )
        org = organizations[name]
        digest = record.digest or data_hash(data)
        if record.key in existing:
            event_id, known = existing[record.key]
            if known == digest and not record.cancelled:
                result.unchanged += 1  # the common case of a re-run: nothing is loaded
                if progress:
                    progress("saved", 1)
                continue
            event = db.session.get(Event, event_id)
            if record.cancelled:
                outcome = cancel_imported(event)
            else:
                outcome = update_event(event, data, org, trusted, digest, kind)
            setattr(result, outcome, getattr(result, outcome) + 1)
        elif record.cancelled:
            result.skipped += 1  # cancelled before the hub ever listed it
            continue
        else:
            draft = Draft(source=kind, import_source_id=source.id, external_uid=record.key)
            apply_data(draft, {**data, "organization": None})
            draft.text = record.text
            fill_contact(draft)
            draft.organization, draft.organization_id = org, org.id
            if trusted or org.trusted:
                draft.status, draft.published = "approved", now_utc()
            draft.import_hash = digest
            draft.import_state_hash = state_hash(draft)
            drafts.append(draft)
            result.created += 1
            if progress:
                progress("saved", 1)
            if len(drafts) >= BATCH:
                insert_drafts(drafts, result, elsewhere)
            continue
        batch.append(event)
        if progress:
            progress("saved", 1)
        if len(batch) >= BATCH:
            flush_batch(batch)
    flush_batch(batch)
    insert_drafts(drafts, result, elsewhere)
    for key in vanish() if vanish else ():
        event = db.session.get(Event, existing[key][0])
        if cancel_imported(event) == "cancelled":
            result.cancelled += 1
    source.last_polled = source.last_success = now_utc()
    source.last_error = None


#: The events table's columns that a new imported event sets (the rest take defaults).
EVENT_COLUMNS = tuple(c.key for c in Event.__table__.columns if c.key != "id")


class Draft:
    """A new imported event before it is written: :func:`apply_data` and :func:`form_data`
    work on it as on an :class:`Event`, and whole batches of drafts are inserted at once
    (an ORM object per row is most of an import's time)."""

    def __init__(self, **values):
        now = now_utc()
        self.__dict__.update(
            {name: None for name in EVENT_COLUMNS},
            uid=f"{uuid.uuid4()}@htpm-events",
            status="pending",
            sequence=0,
            created=now,
            updated=now,
            featured=False,
            all_day=False,
            description="",
            id=None,
            text=None,
            cohosts=[],
            tags=[],
        )
        self.__dict__.update(values)

    @property
    def description_text(self) -> str:
        """What an :class:`Event` keeps with its description (its ``set`` listener), unless
        the import worked it out already (``text``)."""
        if self.text is not None:
            return self.text
        return markdown_to_text(self.description or "")

    def tag_values(self, kind: str) -> list[str]:
        return [value for k, value in self.tags if k == kind]

    def set_tags(self, kind: str, values) -> None:
        self.tags = [t for t in self.tags if t[0] != kind] + [
            (kind, v) for v in dict.fromkeys(values)
        ]

    def row(self) -> dict:
        return {name: getattr(self, name) for name in EVENT_COLUMNS}


def insert_drafts(drafts: list[Draft], result: ImportResult, elsewhere) -> None:
    """Insert a batch of new events, their occurrences and their tags: on PostgreSQL one
    ``nextval`` query for the ids and three COPYs; on SQLite three executemany INSERTs and
    a query of the new ids (and, on both, one query for the batch's duplicates)."""
    if not drafts:
        return
    db.session.flush()
    hold_listed_elsewhere(drafts, result, elsewhere)
    connection = db.session.connection()
    table = Event.__table__
    ids = next_ids(connection, table, len(drafts))
    if ids is not None:
        # PostgreSQL: the ids from the sequence up front (one statement), the rows by COPY.
        for event_id, draft in zip(ids, drafts, strict=True):
            draft.id = event_id
        insert_rows(connection, table, [{"id": draft.id, **draft.row()} for draft in drafts])
    else:
        # executemany without RETURNING (SQLite would insert row by row to return ids in
        # order), then the ids by the (source, external UID) key, which has its unique index.
        insert_rows(connection, table, [draft.row() for draft in drafts])
        found = {}
        keys = [draft.external_uid for draft in drafts]
        for start in range(0, len(keys), 500):
            found.update(
                connection.execute(
                    sa.select(table.c.external_uid, table.c.id).where(
                        table.c.import_source_id == drafts[0].import_source_id,
                        table.c.external_uid.in_(keys[start : start + 500]),
                    )
                ).all()
            )
        for draft in drafts:
            draft.id = found[draft.external_uid]
    ids = [draft.id for draft in drafts]
    store_occurrences(drafts, connection, new=True)
    index_events(drafts, connection)
    tags = []
    for event_id, draft in zip(ids, drafts, strict=True):
        positions: dict[str, int] = {}
        for kind, value in draft.tags:
            position = positions.get(kind, 0)
            positions[kind] = position + 1
            tags.append({"event_id": event_id, "kind": kind, "value": value, "position": position})
    insert_rows(connection, EventTag.__table__, tags)
    drafts.clear()


def hold_listed_elsewhere(drafts: list[Draft], result: ImportResult, elsewhere) -> None:
    """New events about to be published that another source or a submitter already lists
    go to the queue instead: a moderator decides, an event is never public twice."""
    approved = [d for d in drafts if d.status == "approved"]
    if not approved:
        return
    for draft, listed in zip(approved, elsewhere.flags(approved), strict=True):
        if listed:
            draft.status, draft.published = "pending", None
            result.duplicates += 1


def fill_contact(event: Event) -> None:
    """An imported event's contact is its source's, which may be unknown (never a reason to
    refuse an event, SPEC §6)."""
    event.contact_name = event.contact_name or ""
    event.contact_email = event.contact_email or ""


def cancel_imported(event: Event) -> str:
    if event.status in ("approved", "pending", "changes-requested"):
        cancel(event)
        # Listed again later, the event is restored as the source then states it.
        event.import_hash = event.import_state_hash = None
        return "cancelled"
    return "unchanged"


def flush_batch(batch: list[Event]) -> None:
    """Write a batch and let go of it, so that a large file does not fill memory."""
    db.session.flush()
    for event in batch:
        for tag in event.tags:
            db.session.expunge(tag)
        db.session.expunge(event)
    batch.clear()


def update_event(
    event: Event, data: dict, org, trusted: bool, digest: str | None = None, kind: str = "csv"
) -> str:
    """Apply an imported change: unchanged, applied at once, or held for moderation."""
    if digest is not None and event.import_hash == digest:
        return "unchanged"
    if (digest is None or event.import_hash is None) and event.status != "cancelled":
        current = form_data(event)
        if (
            event.organization_id == org.id
            and all(
                (current.get(k) or None) == (v or None)
                for k, v in data.items()
                if k != "organization" and k in current
            )
            and all(
                getattr(event, k) == data.get(k)
                for k in ("rrule", "rdates", "exdates")
                if k in data
            )
        ):
            event.import_hash = digest
            return "unchanged"
    hand_edited = (
        event.import_state_hash is not None and state_hash(event) != event.import_state_hash
    )
    payload = revision_payload(data)
    if kind != "csv":
        payload["_import"] = kind
    if hand_edited or (event.status == "approved" and not (trusted or org.trusted)):
        db.session.add(EventRevision(event=event, data=payload, source=kind))
        event.import_hash = digest
        return "held" if hand_edited else "updated"
    was_cancelled = event.status == "cancelled"
    with db.session.no_autoflush:  # an unknown contact is None for a moment, "" when written
        apply_data(event, {**data, "organization": None})
        fill_contact(event)
    event.organization = org
    event.updated = now_utc()
    if event.status == "approved":
        event.sequence += 1
    elif was_cancelled and event.published is not None:
        # Listed again at the source after a cancellation.
        event.status = "approved" if (trusted or org.trusted) else "pending"
        event.cancelled_at = None
        event.sequence += 1
    elif trusted or org.trusted:
        event.status = "approved"
        event.published = event.published or now_utc()
    event.import_hash = digest
    db.session.flush()
    event.import_state_hash = state_hash(event)
    return "updated"


def open_path(path: str) -> Callable[[], io.TextIOBase]:
    return lambda: open(path, newline="", encoding="utf-8-sig")
