"""Which events a feed holds, what it is called, and its cache key (SPEC §4, §5).

A feed request is fixed by its normalized filter and the day it is asked on (the default
window starts 30 days back and moves daily; cancelled events drop out 60 days after their
cancellation); ``open=1`` also depends on the time, rounded to five minutes. Those values,
not "now", go into the cache key, so that every worker and host builds the same bytes.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..events.filters import EventFilter
from ..events.models import Event
from ..events.occurrences import occurrences
from ..extensions import db
from ..i18n import current_locale
from ..timeutil import end_of_day_utc, now_utc, start_of_day_utc
from . import atom, ical

#: Feeds hold events from this many days back (SPEC §5).
DAYS_BACK = 30
#: A cancelled event stays in feeds, as STATUS:CANCELLED, this long (SPEC §3).
CANCELLED_DAYS = 60
ATOM_ENTRIES = 50
#: Raise when the serializers' output changes, so that cached bodies are rebuilt.
FORMAT_VERSION = 1
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
    feed: FeedRequest, data_changed: datetime | None, base: str
) -> tuple[bytes, datetime]:
    """The feed's bytes and their Last-Modified: the latest change of an included event, of
    the data as a whole (``data_changed``), or of the period the window was fixed for (the
    window moves daily, so a feed may change without any event changing)."""
    filt = feed.filter
    if feed.kind == "ics":
        with gc_paused():
            events = ical_events(feed)
            body = ical.calendar_bytes(
                events, name=feed_name(filt), about=feed_about(filt, base), base=base
            )
    else:
        events = atom_events(feed)
        query = filt.query_string()
        suffix = f"?{query}" if query else ""
        body = atom.feed_bytes(
            events,
            title=feed_name(filt),
            self_url=f"{base}/feeds/events.atom{suffix}",
            page_url=f"{base}/events{suffix}",
            updated=max((e.updated for e in events), default=data_changed or feed.moment),
            base=base,
        )
    changes = [e.updated for e in events] + [feed.moment]
    if data_changed is not None:
        changes.append(data_changed)
    return body, max(changes)


def ical_events(request: FeedRequest) -> list[Event]:
    """Approved dated events matching the filter with an occurrence in the window, and
    cancelled ones for 60 days after their cancellation, in start order."""
    filt = request.filter
    first, last = request.first_day, filt.date_to
    cancelled_since = datetime.combine(
        request.today - timedelta(days=CANCELLED_DAYS), time(0), tzinfo=UTC
    )
    query = (
        sa.select(Event)
        .where(
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
        )
        .order_by(Event.starts_at, Event.id)
        .options(selectinload(Event.tags), selectinload(Event.organization))
    )
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
    since = start_of_day_utc(first, event.timezone) if first else None
    until = end_of_day_utc(last, event.timezone) if last else None
    if event.is_on_demand:
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
        return bool(occurrences(event, since, until))
    return True
