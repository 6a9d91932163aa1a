"""Each event's VEVENT, serialized once per version of the event and kept in the database.

A feed is its calendar head, the VTIMEZONEs its events use, their VEVENT pieces and a
footer; after one approval only that event is serialized again, whatever the feed's size.
A piece is valid while its fingerprint matches: the event's id, ``updated`` (every change
that the public can see sets it), SEQUENCE, status, organization name (the DESCRIPTION's
"Hosted by"), the base URL of its links and :data:`FORMAT_VERSION`. Pieces live in the
database, not on one host: every host shares the work, and a new host (or a deleted cache
directory) starts warm.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import defer, selectinload

from ..events.models import Event, Organization
from ..events.occurrences import occurrences
from ..extensions import db
from ..i18n import current_locale
from ..timeutil import end_of_day_utc, start_of_day_utc
from . import ical
from .models import FeedPiece

log = logging.getLogger(__name__)

#: Raise when the serializer's output changes, so that every piece and feed is rebuilt.
FORMAT_VERSION = 2
#: Rows read per round trip while streaming a feed, and events serialized per commit.
STREAM_ROWS = 1000
BUILD_BATCH = 500

#: What a fingerprint and the window check read, without loading an ORM Event.
LIGHT_COLUMNS = (
    Event.id,
    Event.updated,
    Event.sequence,
    Event.status,
    Event.format,
    Event.timezone,
    Event.rrule,
    Event.starts_at,
    Event.ends_at,
    Event.series_ends_at,
    Organization.name.label("organization_name"),
)


def fingerprint(row, base: str, locale: str | None = None) -> str:
    """What an event's VEVENT depends on (``row``: an Event or a row of LIGHT_COLUMNS);
    ``locale``: the request's, when the caller has it (a loop over a feed's events)."""
    organization = getattr(row, "organization_name", None)
    if organization is None:
        organization = row.organization.name
    parts = (
        f"v{FORMAT_VERSION}",
        base,
        str(row.id),
        row.updated.isoformat(),
        str(row.sequence),
        row.status,
        organization,
    )
    locale = locale or current_locale()
    if locale != "en":  # labels asked for with hl=: never the stored English piece
        parts += (locale,)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Piece:
    body: bytes
    tzid: str | None
    year: int | None


def event_piece(event: Event, base: str) -> Piece:
    """The piece of one loaded event (the per-event ``.ics``): the stored one when it is
    current, else serialized and stored."""
    wanted = fingerprint(event, base)
    row = db.session.execute(
        sa.select(FeedPiece.body, FeedPiece.tzid, FeedPiece.year).where(
            FeedPiece.event_id == event.id, FeedPiece.fingerprint == wanted
        )
    ).first()
    if row is not None:
        return Piece(bytes(row.body), row.tzid, row.year)
    piece = Piece(*ical.piece(event, base))
    save([(event.id, wanted, piece)])
    return piece


def save(pieces: Iterable[tuple[int, str, Piece]]) -> None:
    """Upsert pieces and commit (a request that reads a feed writes nothing else). A failure
    (an event deleted meanwhile, a busy database) only costs a later rebuild."""
    if current_locale() != "en":
        return  # one stored piece per event, in English; other languages are built each time
    rows = [
        {"event_id": i, "fingerprint": f, "tzid": p.tzid, "year": p.year, "body": p.body}
        for i, f, p in pieces
    ]
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(FeedPiece.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["event_id"],
        set_={name: statement.excluded[name] for name in ("fingerprint", "tzid", "year", "body")},
    )
    try:
        db.session.execute(statement, rows)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.info("feed pieces not stored (%s); served as built", type(exc).__name__)


@dataclass(frozen=True, slots=True)
class Listed:
    """An event of a feed as :func:`build_missing` read it: what :func:`stream` needs to
    write its piece without reading its row again."""

    id: int
    updated: datetime
    fingerprint: str


def build_missing(
    query: sa.Select, base: str, first: date | None = None, last: date | None = None
) -> list[Listed]:
    """Serialize and store every event of ``query`` (a select of LIGHT_COLUMNS) with an
    occurrence in the local days first..last whose piece is missing or stale,
    :data:`BUILD_BATCH` at a time (each batch committed, so that the memory held and the
    write lock taken stay small). Returns those events in the query's order with their
    fingerprints as computed here, for :func:`stream`: a feed reads the events' rows once
    and computes each fingerprint once.
    A feed in another language (hl=) stores none: :func:`stream` serializes its events."""
    locale = current_locale()
    light = query.add_columns(FeedPiece.fingerprint.label("piece_fingerprint")).outerjoin(
        FeedPiece, FeedPiece.event_id == Event.id
    )
    # (An event changed after this read is stored under its older fingerprint: stale, so
    # serialized again by the next build.)
    listed: list[Listed] = []
    missing: dict[int, str] = {}
    for row in db.session.execute(light.execution_options(yield_per=STREAM_ROWS)):
        if not in_window(row, first, last):
            continue
        digest = fingerprint(row, base, locale)
        listed.append(Listed(row.id, row.updated, digest))
        if locale == "en" and row.piece_fingerprint != digest:
            missing[row.id] = digest
    ids = list(missing)
    for start in range(0, len(ids), BUILD_BATCH):
        built = serialize(ids[start : start + BUILD_BATCH], base)
        save([(event_id, missing[event_id], piece) for event_id, piece in built.items()])
        del built
        gc.collect(0)  # the build pauses the collector; a batch's ORM cycles go here
    return listed


def serialize(ids: list[int], base: str) -> dict[int, Piece]:
    """The pieces of the events ``ids`` (that still exist), serialized now: one query for
    the events, their tags and organizations. The events live in a session of their own on
    the request's connection: closing it lets go of them at once, where the request's
    session would expire them at the commit and expunge them one by one (both a tenth of a
    cold build)."""
    with sa.orm.Session(bind=db.session.connection()) as reader:
        events = reader.scalars(
            sa.select(Event)
            .where(Event.id.in_(ids), Event.format != "on-demand")
            .options(
                selectinload(Event.tags),
                selectinload(Event.organization),
                defer(Event.description),  # the VEVENT has description_text
            )
        )
        return {event.id: Piece(*ical.piece(event, base)) for event in events}


#: A piece as :func:`stream` reads it: the feed_pieces table alone, by primary key.
STORED = sa.select(
    FeedPiece.event_id, FeedPiece.fingerprint, FeedPiece.body, FeedPiece.tzid, FeedPiece.year
)
STORED_POSTGRESQL = (
    "SELECT event_id, fingerprint, body, tzid, year FROM feed_pieces WHERE event_id = ANY(%s)"
)


def stored(ids: list[int]) -> dict[int, tuple[str, bytes, str | None, int | None]]:
    """The stored pieces of ``ids``: event id → (fingerprint, body, tzid, year).

    On PostgreSQL (always psycopg 3, see :mod:`htpm_events.config`) the query goes through
    psycopg's binary results, on the session's connection and transaction: in text results
    a bytea comes as hex, twice its size on the wire and decoded again in the client, and
    SQLAlchemy compiles the ``IN`` of each batch anew; reading the 22 MB of pieces of
    10 000 events took 0.37–0.44 s that way and takes 0.12–0.17 s so, which is what brings
    a rebuild after one approval under a tenth of icalendar's time."""
    if db.engine.dialect.name == "postgresql":
        raw = db.session.connection().connection.dbapi_connection
        with raw.cursor(binary=True) as cursor:
            cursor.execute(STORED_POSTGRESQL, (ids,))
            return {row[0]: row[1:] for row in cursor}
    found = db.session.execute(STORED.where(FeedPiece.event_id.in_(ids)))
    return {row[0]: tuple(row[1:]) for row in found}


def stream(listed: list[Listed], base: str) -> Iterator[tuple[Piece, datetime]]:
    """The pieces (and ``updated``) of the events :func:`build_missing` listed, in its
    order. The pieces are read by id, :data:`STREAM_ROWS` at a time, without the events'
    rows: reading the feed's query again (its join, its sort and every row's columns
    converted once more) cost as much as reading the 22 MB of pieces of 10 000 events. A
    piece changed since :func:`build_missing` (or missing: another build stored an older
    one) is serialized again here; an event deleted since is left out (its deletion moved
    the feed's version: the next request builds it again)."""
    english = current_locale() == "en"  # other languages have no stored piece
    for start in range(0, len(listed), STREAM_ROWS):
        batch = listed[start : start + STREAM_ROWS]
        found = stored([entry.id for entry in batch]) if english else {}
        current = {
            entry.id: Piece(bytes(piece[1]), piece[2], piece[3])
            for entry in batch
            if (piece := found.get(entry.id)) is not None and piece[0] == entry.fingerprint
        }
        del found
        stale = [entry.id for entry in batch if entry.id not in current]
        if stale:  # another language's feed, or changed since build_missing read it
            current.update(serialize(stale, base))
        for entry in batch:
            if entry.id in current:
                yield current[entry.id], entry.updated
        del current


def light_query() -> sa.Select:
    return sa.select(*LIGHT_COLUMNS).join(Organization, Organization.id == Event.organization_id)


def in_window(event, first: date | None, last: date | None) -> bool:
    """Whether an occurrence of ``event`` (an Event or a row of LIGHT_COLUMNS) overlaps the
    local days first..last (inclusive) in the event's own zone; on-demand items by their
    availability window."""
    since = start_of_day_utc(first, event.timezone) if first else None
    until = end_of_day_utc(last, event.timezone) if last else None
    if event.format == "on-demand":
        ends = event.series_ends_at
        return (since is None or ends is None or ends > since) and (
            until is None or event.starts_at < until
        )
    # The last occurrence ends at series_ends_at and the first starts at starts_at, so a
    # window open at one end needs nothing more; a closed one that the first occurrence
    # does not reach may still hold a later one.
    if since is not None and event.series_ends_at <= since:
        return False
    if until is not None and event.starts_at >= until:
        return False
    if event.rrule and since is not None and until is not None and event.ends_at <= since:
        loaded = event if isinstance(event, Event) else db.session.get(Event, event.id)
        return bool(occurrences(loaded, since, until))
    return True
