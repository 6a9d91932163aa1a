"""Which events a feed holds, what it is called, and its cache key (SPEC §4, §5).

A feed request is fixed by its normalized filter and the day it is asked on (the default
window starts 30 days back and moves daily; cancelled events drop out 60 days after their
cancellation); ``open=1`` also depends on the time, rounded to five minutes. Those values,
not "now", go into the cache key, so that every worker and host builds the same bytes.
"""

from __future__ import annotations

import gc
import hashlib
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..events.filters import EventFilter
from ..events.models import Event
from ..extensions import db
from ..i18n import current_locale
from ..timeutil import now_utc
from . import atom, ical, pieces

#: Feeds hold events from this many days back (SPEC §5).
DAYS_BACK = 30
#: A cancelled event stays in feeds, as STATUS:CANCELLED, this long (SPEC §3).
CANCELLED_DAYS = 60
ATOM_ENTRIES = 50
#: Raise when the serializers' output changes, so that cached bodies are rebuilt.
FORMAT_VERSION = pieces.FORMAT_VERSION
COPY_BUFFER = 1024 * 1024
OPEN_BUCKET = timedelta(minutes=5)


@dataclass(frozen=True)
class FeedRequest:
    """One feed as a cache entry: its kind, filter and the moment its window is fixed at."""

    kind: str  # "ics" or "atom"
    filter: EventFilter
    today: date
    #: The time ``open=1`` is judged at, and the start of the period these bytes are for.
    moment: datetime

    @classmethod
    def for_now(cls, kind: str, filt: EventFilter, now: datetime | None = None) -> FeedRequest:
        now = now or now_utc()
        today = now.date()
        moment = datetime.combine(today, time(0), tzinfo=UTC)
        if filt.open:
            moment = now - (now - moment) % OPEN_BUCKET
        return cls(kind, filt, today, moment)

    @property
    def first_day(self) -> date:
        """The first local day the feed covers."""
        default = self.today - timedelta(days=DAYS_BACK if self.kind == "ics" else 0)
        return self.filter.date_from or default

    def cache_key(self, base: str) -> str:
        parts = (
            f"v{FORMAT_VERSION}",
            self.kind,
            base,
            self.filter.query_string(),
            self.today.isoformat(),
            self.moment.isoformat(),
        )
        if current_locale() != "en":  # labels asked for with hl= (English keys unchanged)
            parts += (current_locale(),)
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a large feed is built: the build allocates
    many short-lived objects next to thousands of live ORM rows, and collections triggered
    over that heap took a third of the build time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def feed_name(filt: EventFilter) -> str:
    """ "HTPM events", or "HTPM events — federal, CA" for a filtered feed."""
    words = filt.describe()
    name = _(ical.CALENDAR_NAME)
    return f"{name} — {words}" if words else name


def feed_about(filt: EventFilter, base: str) -> str:
    about = _(
        "National Human Trafficking Prevention Month events, checked by a moderator, "
        "from the HTPM Events Hub (%(page)s).",
        page=f"{base}/feeds",
    )
    return about + (_(" Filter: %(words)s.", words=filt.describe()) if not filt.is_empty() else "")


def build_feed(
    feed: FeedRequest,
    data_changed: datetime | None,
    base: str,
    out: BinaryIO,
    scratch: str | None = None,
) -> datetime:
    """Write the feed's bytes to ``out`` and return their Last-Modified: the latest change
    of an included event, of the data as a whole (``data_changed``), or of the period the
    window was fixed for (the window moves daily, so a feed may change without any event
    changing). ``scratch``: a folder for the temporary file (default: the system's).

    An iCal feed is streamed: the events' light columns are read once (which events, in
    which order, with which fingerprint), then their stored VEVENTs are read by id
    :data:`pieces.STREAM_ROWS` at a time and written as they come (the VTIMEZONEs, which
    precede the events, are known at the end, so the events go to a temporary file first);
    only events whose piece is missing or stale are loaded and serialized."""
    filt = feed.filter
    changes = [feed.moment] + ([data_changed] if data_changed is not None else [])
    if feed.kind == "ics":
        query = ical_query(feed, pieces.light_query())
        with gc_paused():
            listed = pieces.build_missing(query, base, feed.first_day, filt.date_to)
            first_years: dict[str, int] = {}
            # A 1 MB buffer: with the default 8 KB one, writing the 9 433 pieces (22 MB) of
            # 10 000 events took twice as long (a few hundred small writes for every MB).
            with tempfile.TemporaryFile(dir=scratch, buffering=COPY_BUFFER) as events:
                for piece, updated in pieces.stream(listed, base):
                    events.write(piece.body)
                    changes.append(updated)
                    if piece.tzid:
                        year = first_years.get(piece.tzid, piece.year)
                        first_years[piece.tzid] = min(year, piece.year)
                out.write(ical.head_bytes(feed_name(filt), feed_about(filt, base)))
                out.write(ical.timezones_bytes(first_years))
                events.seek(0)
                shutil.copyfileobj(events, out, COPY_BUFFER)
                out.write(ical.FOOTER)
        return max(changes)
    events = atom_events(feed)
    query = filt.query_string()
    suffix = f"?{query}" if query else ""
    out.write(
        atom.feed_bytes(
            events,
            title=feed_name(filt),
            self_url=f"{base}/feeds/events.atom{suffix}",
            page_url=f"{base}/events{suffix}",
            updated=max((e.updated for e in events), default=data_changed or feed.moment),
            base=base,
        )
    )
    return max(changes + [e.updated for e in events])


def build_feed_bytes(feed: FeedRequest, data_changed: datetime | None, base: str) -> bytes:
    """The feed's bytes in memory (tests, benchmarks)."""
    out = io.BytesIO()
    build_feed(feed, data_changed, base, out)
    return out.getvalue()


def ical_query(request: FeedRequest, select: sa.Select) -> sa.Select:
    """Approved dated events matching the filter with an occurrence (by UTC pre-filter) in
    the window, and cancelled ones for 60 days after their cancellation, in start order."""
    filt = request.filter
    first, last = request.first_day, filt.date_to
    cancelled_since = datetime.combine(
        request.today - timedelta(days=CANCELLED_DAYS), time(0), tzinfo=UTC
    )
    return select.where(
        Event.format != "on-demand",
        sa.or_(
            Event.status == "approved",
            sa.and_(
                Event.status == "cancelled",
                Event.published.is_not(None),
                Event.cancelled_at >= cancelled_since,
            ),
        ),
        *filt.conditions(request.moment),
        *EventFilter.window_condition(first, last),
    ).order_by(Event.starts_at, Event.id)


def ical_events(request: FeedRequest) -> list[Event]:
    """The events of an iCal feed, loaded (tests; feeds themselves stream pieces)."""
    query = ical_query(request, sa.select(Event)).options(
        selectinload(Event.tags), selectinload(Event.organization)
    )
    first, last = request.first_day, request.filter.date_to
    return [e for e in db.session.scalars(query) if in_window(e, first, last)]


def atom_events(request: FeedRequest) -> list[Event]:
    """The newest published approved events matching the filter, from today on (or in
    from/to), newest first."""
    filt = request.filter
    first, last = request.first_day, filt.date_to
    query = (
        sa.select(Event)
        .where(
            Event.status == "approved",
            Event.published.is_not(None),
            *filt.conditions(request.moment),
            *EventFilter.window_condition(first, last),
        )
        .order_by(Event.published.desc(), Event.id.desc())
        .options(selectinload(Event.tags), selectinload(Event.organization))
    )
    found = []
    # The SQL window is widened by the largest zone offset; a few rows may fall out here.
    for event in db.session.scalars(query.limit(ATOM_ENTRIES * 2)):
        if in_window(event, first, last):
            found.append(event)
            if len(found) == ATOM_ENTRIES:
                break
    return found


def in_window(event: Event, first: date | None, last: date | None) -> bool:
    """Whether an occurrence of ``event`` overlaps the local days first..last (inclusive)
    in the event's own zone; on-demand items by their availability window."""
    return pieces.in_window(event, first, last)
