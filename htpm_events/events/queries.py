"""Reading public events (SPEC §3, §4).

Every list is one windowed SELECT (a per-status ordered scan on ``(status, starts_at)``,
bounded by a LIMIT), with tags and organizations loaded by ``selectinload``; occurrences
are expanded in Python only for the events that SELECT returned.

Dates in a window are local dates, placed in each event's own timezone: an event on
Jan 14 in Honolulu is on Jan 14 whatever the UTC date. Without ``from``, a window starts
"today" in each event's zone. The SQL pre-filter is widened by 14 hours on each side and the
exact placement is checked when occurrences are expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.visitors import InternalTraversal

from ..extensions import db
from ..timeutil import zone
from .filters import MAX_OFFSET, EventFilter
from .models import Event, EventCohost
from .occurrences import Occurrence, occurrences

PUBLIC_STATUSES = ("approved", "cancelled")
#: The westernmost offset in use (UTC-12): an on-demand item is listed until its last day
#: is over everywhere.
MAX_WEST = timedelta(hours=12)

#: The columns the month grid needs: rows, not ORM objects, so that a busy month is cheap.
GRID_COLUMNS = (
    Event.id, Event.title, Event.status, Event.timezone, Event.start_date, Event.start_time,
    Event.end_date, Event.end_time, Event.all_day, Event.format, Event.rrule, Event.starts_at,
)  # fmt: skip


class Unindexed(sa.sql.expression.ColumnElement):
    """A column that SQLite may not use an index for (rendered ``+column``, SQLite's own
    idiom); other databases see the plain column and let their planner choose."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(Unindexed)
def _compile_unindexed(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(Unindexed, "sqlite")
def _compile_unindexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def with_details(query):
    return query.options(selectinload(Event.tags), selectinload(Event.organization))


def public_condition():
    """Public: approved, or cancelled after having been published. A submission withdrawn
    before any moderator saw it never becomes public."""
    return sa.or_(
        Event.status == "approved",
        sa.and_(Event.status == "cancelled", Event.published.is_not(None)),
    )


def public_event_or_404(event_id: int) -> Event:
    """An approved or cancelled event (a cancelled one keeps its page, with a banner)."""
    return db.first_or_404(
        with_details(sa.select(Event))
        .where(Event.id == event_id, public_condition())
        .options(
            selectinload(Event.cohosts).selectinload(EventCohost.organization),
            selectinload(Event.flyer),
        )
    )


def listed(now: datetime, status: str | None = None):
    """Public in lists: approved, or cancelled (marked so) until the event has ended."""
    approved = Event.status == "approved"
    cancelled = sa.and_(
        Event.status == "cancelled", Event.published.is_not(None), Event.series_ends_at > now
    )
    if status is None:
        return sa.or_(approved, cancelled)
    return approved if status == "approved" else cancelled


@dataclass(frozen=True)
class Window:
    """Local days ``first``..``last`` (inclusive; None: unbounded), placed in each event's
    zone. ``first=None`` means today in each event's zone."""

    now: datetime
    first: date | None = None
    last: date | None = None

    @classmethod
    def of(cls, event_filter: EventFilter, now: datetime) -> Window:
        return cls(now, event_filter.date_from, event_filter.date_to)

    def start_day(self, tzname: str) -> date:
        return self.first or self.now.astimezone(zone(tzname)).date()

    def bounds(self, tzname: str) -> tuple[datetime, datetime | None]:
        tz = zone(tzname)
        start = datetime.combine(self.start_day(tzname), time(0), tzinfo=tz)
        end = None
        if self.last is not None:
            end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=tz)
        return start, end

    def on_demand_first(self) -> date:
        return self.first or (self.now - MAX_WEST).date()

    def dated_sql(self, ordered: bool = False) -> list:
        """UTC pre-filter for dated events (their ``series_ends_at`` is never NULL).

        ``ordered``: for reads in ``starts_at`` order with a LIMIT, keep SQLite on the
        ``(status, starts_at)`` index (it would otherwise range-scan ``series_ends_at`` and
        sort every future event to return the first fifty)."""
        first = self.first or self.now.date() - timedelta(days=1)
        ends = Unindexed(Event.series_ends_at) if ordered else Event.series_ends_at
        where = [ends > datetime.combine(first, time(0), tzinfo=UTC) - MAX_OFFSET]
        if self.last is not None:
            until = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=UTC)
            where.append(Event.starts_at < until + MAX_OFFSET)
        return where

    def on_demand_sql(self) -> list:
        """Exact: an availability window (local dates) overlapping ``first``..``last``."""
        where = [sa.or_(Event.end_date.is_(None), Event.end_date >= self.on_demand_first())]
        if self.last is not None:
            where.append(Event.start_date <= self.last)
        return where

    def occurrences(self, event) -> list[Occurrence]:
        start, end = self.bounds(event.timezone)
        return occurrences(event, start, end)

    def holds(self, event) -> bool:
        """Whether the event belongs in this window (exact, per its zone)."""
        if event.format == "on-demand":
            first = self.on_demand_first()
            return (event.end_date is None or event.end_date >= first) and (
                self.last is None or event.start_date <= self.last
            )
        return bool(self.occurrences(event))

    def day_of(self, occ: Occurrence) -> date:
        """The day an occurrence is listed under: its start, or the window's first day for
        one that began earlier (an exhibit running since last week)."""
        return max(occ.start_date, self.start_day(occ.event.timezone))


def order_keys(by_day: bool) -> tuple:
    """``(starts_at, id)``, or with ``by_day`` ``(start_date, starts_at, id)``: the local
    first day, then the instant (index ``ix_events_status_start_date``)."""
    keys = (Event.starts_at, Event.id)
    return (Event.start_date, *keys) if by_day else keys


def ordered_ids(
    event_filter: EventFilter, window: Window, where: list, limit: int, after=None, by_day=False
):
    """Ids of matching public events in :func:`order_keys` order, at most ``limit``: one
    ordered index scan per public status, merged (a UNION ALL of two LIMITed subqueries),
    so the first page never reads the whole table."""
    conditions = event_filter.conditions(window.now) + where
    parts = []
    for status in PUBLIC_STATUSES:
        query = sa.select(Event.id).where(listed(window.now, status), *conditions)
        if after is not None:
            query = query.where(sa.tuple_(Event.starts_at, Event.id) > sa.tuple_(*after))
        part = query.order_by(*order_keys(by_day)).limit(limit).subquery()
        parts.append(sa.select(part.c.id))
    return sa.union_all(*parts).subquery("page_ids")


def events_in_order(
    event_filter: EventFilter, window: Window, where: list, limit: int, after=None, by_day=False
):
    ids = ordered_ids(event_filter, window, where, limit, after, by_day)
    query = (
        with_details(sa.select(Event))
        .join(ids, ids.c.id == Event.id)
        .order_by(*order_keys(by_day))
        .limit(limit)
    )
    return list(db.session.scalars(query))


# --- the agenda ------------------------------------------------------------------------------


@dataclass
class AgendaPage:
    occurrences: list[Occurrence]
    has_next: bool
    window: Window

    @property
    def days(self) -> list[tuple[date, list[Occurrence]]]:
        grouped: list[tuple[date, list[Occurrence]]] = []
        for occ in self.occurrences:
            day = self.window.day_of(occ)
            if grouped and grouped[-1][0] == day:
                grouped[-1][1].append(occ)
            else:
                grouped.append((day, [occ]))
        return grouped


def agenda(event_filter: EventFilter, window: Window, page: int = 1, per_page: int = 50):
    """Page ``page`` of the dated occurrences in the window, ordered by the day they are
    listed under, then start, then event.

    Events come from the database in (local first day, ``starts_at``) order, ``limit`` at
    a time. When the read stops at an event whose first day is D0 and which starts at
    instant T, every event not read has a first day after D0, or D0 and a start at T or
    later; so every occurrence not read is listed under (D0, T) or later, and the
    occurrences sorting before (D0, T) are complete. If they are too few for this page
    (many recurring events, or a deep page), read more. (Reading in ``starts_at`` order
    instead would have to read 14 hours of events past the page, to cover every zone.)"""
    need = page * per_page + 1
    limit = need + 25
    where = [Event.format != "on-demand", *window.dated_sql(ordered=True)]
    while True:
        events = events_in_order(event_filter, window, where, limit, by_day=True)
        items = [
            (window.day_of(occ), occ.start.timestamp(), occ.event.id, occ)
            for event in events
            for occ in window.occurrences(event)
        ]
        items.sort(key=lambda item: item[:3])
        exhausted = len(events) < limit
        if not exhausted:
            last = events[-1]
            cutoff = (last.start_date, last.starts_at.timestamp())
            items = [item for item in items if item[:2] < cutoff]
        if exhausted or len(items) >= need:
            break
        limit *= 4
    start = (page - 1) * per_page
    chosen = [item[3] for item in items[start : start + per_page]]
    return AgendaPage(chosen, len(items) > start + per_page, window)


def on_demand(event_filter: EventFilter, window: Window, page: int = 1, per_page: int = 50):
    """On-demand items whose availability overlaps the window, in the order they became
    available (the same ordered scan as the agenda): (items, has_next)."""
    where = [Unindexed(Event.format) == "on-demand", *window.on_demand_sql()]
    items = events_in_order(event_filter, window, where, page * per_page + 1)
    start = (page - 1) * per_page
    return items[start : start + per_page], len(items) > start + per_page


def best_matches(event_filter: EventFilter, window: Window, limit: int = 5) -> list[Event]:
    """The events of the window whose text matches the search best (on-demand included)."""
    from .search import search_score

    score = search_score(event_filter.q) if event_filter.q else None
    if score is None:
        return []
    query = (
        with_details(sa.select(Event))
        .join(score, score.c.event_id == Event.id)
        .where(
            listed(window.now),
            *EventFilter.window_condition(window.first or window.now.date(), window.last),
            *event_filter.conditions(window.now),
        )
        .order_by(score.c.score.desc(), Event.starts_at, Event.id)
        .limit(limit * 3)
    )
    return [event for event in db.session.scalars(query) if window.holds(event)][:limit]


# --- the month grid --------------------------------------------------------------------------


def grid_occurrences(event_filter: EventFilter, window: Window) -> list[Occurrence]:
    """Every dated occurrence in a (month-sized) window, as light rows, in start order."""
    query = (
        sa.select(*GRID_COLUMNS)
        .where(
            listed(window.now),
            Event.format != "on-demand",
            *window.dated_sql(),
            *event_filter.conditions(window.now),
        )
        .order_by(Event.starts_at, Event.id)
    )
    result = [occ for row in db.session.execute(query) for occ in window.occurrences(row)]
    result.sort(key=lambda occ: (occ.start.timestamp(), occ.event.id))
    return result


# --- the JSON API ----------------------------------------------------------------------------


def api_events(
    event_filter: EventFilter, window: Window, per_page: int, after=None, skip: int = 0
) -> tuple[list[Event], bool]:
    """Events (not occurrences) in the window, by ``(starts_at, id)``, after the cursor
    ``after`` and ``skip`` further matches: (events, has_more). The same events as the
    agenda's occurrences plus its on-demand section."""
    where = [
        sa.or_(
            sa.and_(Event.format != "on-demand", *window.dated_sql(ordered=True)),
            sa.and_(Event.format == "on-demand", *window.on_demand_sql()),
        )
    ]
    found: list[Event] = []
    batch = per_page + skip + 1
    while True:
        events = events_in_order(event_filter, window, where, batch, after)
        for event in events:
            if not window.holds(event):
                continue
            if skip:
                skip -= 1
                continue
            found.append(event)
            if len(found) > per_page:
                return found[:per_page], True
        if len(events) < batch:
            return found, False
        after = (events[-1].starts_at, events[-1].id)
        batch = min(batch * 2, 2000)


#: Events this close to a window's UTC edges (or recurring) are checked zone by zone.
EDGE = timedelta(days=2)


def api_total(event_filter: EventFilter, window: Window) -> int:
    """How many events :func:`api_events` lists over all its pages. One COUNT for the events
    that are surely in the window; only those near its edges (where the event's zone
    decides) and recurring ones (whose occurrences may skip it) are read and checked."""
    base = [listed(window.now), *event_filter.conditions(window.now)]
    on_demand = sa.and_(Event.format == "on-demand", *window.on_demand_sql())
    dated = sa.and_(Event.format != "on-demand", *window.dated_sql())
    start_edge = datetime.combine(window.first or window.now.date(), time(0), tzinfo=UTC)
    near = [Event.rrule.is_not(None), Event.series_ends_at < start_edge + EDGE]
    if window.last is not None:
        end_edge = datetime.combine(window.last + timedelta(days=1), time(0), tzinfo=UTC)
        near.append(Event.starts_at >= end_edge - EDGE)
    uncertain = sa.or_(*near)
    surely = sa.or_(on_demand, sa.and_(dated, sa.not_(uncertain)))
    total = db.session.scalar(sa.select(sa.func.count(Event.id)).where(*base, surely)) or 0
    checked = db.session.scalars(sa.select(Event).where(*base, dated, uncertain))
    return total + sum(1 for event in checked if window.holds(event))
