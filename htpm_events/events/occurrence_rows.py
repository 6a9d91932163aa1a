"""The ``event_occurrences`` table: every public dated event's occurrences, one row per
local day each covers, so that lists and the month grid page through an index instead of
expanding series on every request.

One function keeps it: :func:`store_occurrences` takes a list of events (ORM objects, the
importer's drafts or plain rows with the same attributes) and replaces their rows with one
DELETE and one executemany INSERT. Every ORM save of an event whose dates, status or
publication changed reaches it through the ``after_flush`` hook below; the importer's bulk
INSERT calls it itself (``importers/services.py``, ``insert_drafts``); migration 0009
backfilled it with it.

Occurrences are expanded once, when the event is saved, exactly as the views used to
expand them per request: RRULE, RDATE and EXDATE in local wall time, form series capped at
:data:`~.occurrences.MAX_OCCURRENCES`, imported ones at
:data:`~.occurrences.MAX_IMPORTED_OCCURRENCES` and, for an unbounded rule,
:data:`~.occurrences.HORIZON` from the day it was saved."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..bulk import insert_rows
from ..extensions import db
from ..timeutil import zone
from .models import Event, EventOccurrence
from .occurrences import Occurrence, local_bounds, local_starts

#: The event attributes the rows are derived from: a change to any of them rewrites them.
WATCHED = (
    "status", "published", "format", "timezone", "start_date", "start_time", "end_date",
    "end_time", "all_day", "recurrence", "rrule", "rdates", "exdates", "starts_at",
    "series_ends_at",
)  # fmt: skip
#: Ids per DELETE statement (PostgreSQL and SQLite cap the parameters of one statement).
CHUNK = 5000


def has_rows(event) -> bool:
    """Listed events have rows: approved ones, and cancelled ones that were published (shown
    as cancelled until they end). On-demand items have no date and no rows."""
    if event.format == "on-demand":
        return False
    return event.status == "approved" or (
        event.status == "cancelled" and event.published is not None
    )


def occurrence_rows(event) -> list[dict]:
    """The rows of one event (none unless :func:`has_rows`)."""
    if not has_rows(event):
        return []
    listed_until = event.series_ends_at if event.status == "cancelled" else None
    tz = zone(event.timezone)
    start, end = local_bounds(event)
    duration = end - start
    rows = []
    for naive in local_starts(event):
        occ = Occurrence(None, naive.replace(tzinfo=tz), (naive + duration).replace(tzinfo=tz))
        first = occ.start_date
        last = max(first, occ.last_date)
        starts_at, ends_at = occ.start.astimezone(UTC), occ.end.astimezone(UTC)
        day: date = first
        while day <= last:
            rows.append(
                {
                    "event_id": event.id,
                    "day": day,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "start_date": first,
                    "first_day": day == first,
                    "listed_until": listed_until,
                }
            )
            day += timedelta(days=1)
    return rows


def store_occurrences(events, connection=None, new: bool = False) -> None:
    """Replace the rows of ``events`` (each with its ``id``): one DELETE, one INSERT (a
    COPY on PostgreSQL). ``new``: events just inserted, which cannot have rows yet (no
    DELETE)."""
    events = [event for event in events if event.id is not None]
    if not events:
        return
    connection = connection if connection is not None else db.session.connection()
    table = EventOccurrence.__table__
    ids = list(dict.fromkeys(event.id for event in events))
    for start in range(0, 0 if new else len(ids), CHUNK):
        connection.execute(table.delete().where(table.c.event_id.in_(ids[start : start + CHUNK])))
    rows = [row for event in events for row in occurrence_rows(event)]
    insert_rows(connection, table, rows)


def _changed(event: Event) -> bool:
    attrs = sa.inspect(event).attrs
    return any(attrs[name].history.has_changes() for name in WATCHED)


@sa.event.listens_for(Session, "after_flush")
def _keep_rows(session, flush_context) -> None:
    """Every ORM save of an event (forms, moderation, merges, imports' updates) rewrites its
    rows in the same transaction, once its id is known."""
    changed = [obj for obj in session.new if isinstance(obj, Event)]
    changed += [obj for obj in session.dirty if isinstance(obj, Event) and _changed(obj)]
    if changed:
        store_occurrences(changed, session.connection())
