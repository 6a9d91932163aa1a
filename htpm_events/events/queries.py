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
from sqlalchemy.orm import defer, selectinload

from ..db import Unindexed
from ..extensions import db
from ..timeutil import zone
from .filters import MAX_OFFSET, EventFilter
from .models import Event, EventCohost, EventOccurrence
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


def with_details(query):
    return query.options(selectinload(Event.tags), selectinload(Event.organization))


def for_lists(query):
    """What a list item shows (``_macros.event_item``, the widget): the organization's name
    and the event's languages ("In Spanish"), never the other tags or the description (1–2 KB
    each, and its plain text). The languages come with the page's events in one query (one
    query per item was most of a page's time)."""
    return query.options(
        selectinload(Event.organization),
        selectinload(Event.language_tags),
        defer(Event.description),
        defer(Event.description_text),
    )


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

    def day_range(self) -> tuple[date, date]:
        """The earliest and the latest "first day" of the window over every zone: ``first``
        twice, or today from UTC-12 to UTC+14."""
        if self.first is not None:
            return self.first, self.first
        return (self.now - MAX_WEST).date(), (self.now + MAX_OFFSET).date()

    def keeps(self, row) -> bool:
        """Whether an occurrence row (``day``, ``start_date``, ``timezone``) is the one that
        lists its occurrence in this window: the day it starts, or the window's first day in
        the event's zone for one that began earlier. Exact; the SQL of
        :func:`occurrence_rows` is exact too when ``first`` is given."""
        first = self.start_day(row.timezone)
        return row.day >= first and (row.day == row.start_date or row.day == first)

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
    event_filter: EventFilter,
    window: Window,
    where: list,
    limit: int,
    after=None,
    by_day=False,
    details=with_details,
):
    ids = ordered_ids(event_filter, window, where, limit, after, by_day)
    query = (
        details(sa.select(Event))
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


def listed_row(now: datetime):
    """An occurrence row is listed unless its event was cancelled and has ended."""
    occ = EventOccurrence
    return sa.or_(occ.listed_until.is_(None), occ.listed_until > now)


def occurrence_rows(event_filter: EventFilter, window: Window):
    """The SELECT of the rows listing the window's occurrences, in the lists' order (day
    listed under, start instant, event id), on the ``ix_event_occurrences_day`` index: an
    ordered range scan that a LIMIT stops early, whatever the number of events."""
    occ = EventOccurrence
    low, high = window.day_range()
    conditions = event_filter.conditions(window.now, unindexed=True)
    query = sa.select(
        occ.event_id, occ.day, occ.start_date, occ.starts_at, occ.ends_at, Event.timezone
    ).where(
        occ.day >= low,
        sa.or_(occ.first_day, occ.day <= high),
        listed_row(window.now),
    )
    if window.last is not None:
        query = query.where(occ.day <= window.last)
    query = query.join_from(occ, Event, Event.id == occ.event_id)
    return query.where(*conditions).order_by(occ.day, occ.starts_at, occ.event_id)


def rows_as_occurrences(rows, events: dict) -> list[Occurrence]:
    """Occurrence rows with their events (``events``: id -> event or light row)."""
    result = []
    for row in rows:
        tz = zone(row.timezone)
        event = events[row.event_id]
        result.append(Occurrence(event, row.starts_at.astimezone(tz), row.ends_at.astimezone(tz)))
    return result


def agenda(event_filter: EventFilter, window: Window, page: int = 1, per_page: int = 50):
    """Page ``page`` of the dated occurrences in the window, ordered by the day they are
    listed under, then start, then event: rows of ``event_occurrences`` read in that order
    with a LIMIT, then the page's events (with their tags and organization)."""
    need = page * per_page + 1
    limit = need + 25
    query = occurrence_rows(event_filter, window)
    while True:
        rows = db.session.execute(query.limit(limit)).all()
        kept = [row for row in rows if window.keeps(row)]
        if len(rows) < limit or len(kept) >= need:
            break
        limit *= 4
    start = (page - 1) * per_page
    chosen = kept[start : start + per_page]
    ids = {row.event_id for row in chosen}
    events = {}
    if ids:
        events = {
            event.id: event
            for event in db.session.scalars(for_lists(sa.select(Event)).where(Event.id.in_(ids)))
        }
    return AgendaPage(rows_as_occurrences(chosen, events), len(kept) > start + per_page, window)


def on_demand(event_filter: EventFilter, window: Window, page: int = 1, per_page: int = 50):
    """On-demand items whose availability overlaps the window, in the order they became
    available (the same ordered scan as the agenda): (items, has_next)."""
    where = [Event.format == "on-demand", *window.on_demand_sql()]
    items = events_in_order(event_filter, window, where, page * per_page + 1, details=for_lists)
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


@dataclass
class Grid:
    """The month grid's content: each day's first occurrences, and how many it has."""

    items: dict[date, list[Occurrence]]
    counts: dict[date, int]
    #: Occurrences overlapping the window (each counted once).
    total: int


def grid_days(event_filter: EventFilter, window: Window, per_day: int) -> Grid:
    """The first ``per_day`` occurrences of each day ``window.first``..``window.last`` and
    every day's count: one GROUP BY over the days' index range (without a filter it reads
    only the index) and one UNION ALL of a LIMITed index range per day."""
    occ = EventOccurrence
    first, last = window.first, window.last
    conditions = event_filter.conditions(window.now, unindexed=True)

    def rows(*columns):
        query = sa.select(*columns).where(listed_row(window.now))
        if conditions:
            query = query.join_from(occ, Event, Event.id == occ.event_id).where(*conditions)
        return query

    starts_here = sa.or_(occ.first_day, occ.day == first)
    counted = (
        rows(occ.day, sa.func.count(), sa.func.sum(sa.case((starts_here, 1), else_=0)))
        .where(occ.day >= first, occ.day <= last)
        .group_by(occ.day)
    )

    def count() -> tuple[dict, int]:
        counts, total = {}, 0
        for day, found, started in db.session.execute(counted):
            counts[day] = found
            total += started or 0
        return counts, total

    from .memo import remembered

    key = ("grid", tuple(event_filter.params()), first, last, *listing_instant(window))
    counts, total = remembered(key, count)
    busy = [day for day in sorted(counts)]
    items: dict[date, list[Occurrence]] = {day: [] for day in busy}
    if not busy:
        return Grid(items, counts, total)
    columns = (occ.event_id, occ.day, occ.starts_at, occ.ends_at)
    parts = [
        rows(*columns)
        .where(occ.day == day)
        .order_by(occ.starts_at, occ.event_id)
        .limit(per_day)
        .subquery()
        for day in busy
    ]
    picked = db.session.execute(sa.union_all(*(sa.select(part) for part in parts))).all()
    ids = {row.event_id for row in picked}
    events = {
        row.id: row for row in db.session.execute(sa.select(*GRID_COLUMNS).where(Event.id.in_(ids)))
    }
    for row in picked:
        event = events[row.event_id]
        tz = zone(event.timezone)
        items[row.day].append(
            Occurrence(event, row.starts_at.astimezone(tz), row.ends_at.astimezone(tz))
        )
    for day_items in items.values():
        day_items.sort(key=lambda o: (o.start.timestamp(), o.event.id))
    return Grid(items, counts, total)


# --- the JSON API ----------------------------------------------------------------------------


def occurs_in(window: Window, first: date, before: date | None = None):
    """An occurrence row of the event covers a day from ``first`` (up to ``window.last``,
    and before ``before``)."""
    occ = EventOccurrence
    where = [occ.event_id == Event.id, occ.day >= first]
    if window.last is not None:
        where.append(occ.day <= window.last)
    if before is not None:
        where.append(occ.day < before)
    return sa.exists().where(*where)


def surely_holds(window: Window, event) -> bool:
    """Whether a dated event that :func:`occurs_in` from the window's lowest first day
    certainly holds without checking it zone by zone: with ``from=``, always; without, when
    it ends well after every zone's today and ``to=`` is not given."""
    if window.first is not None:
        return True
    _, high = window.day_range()
    edge = datetime.combine(high + timedelta(days=1), time(0), tzinfo=UTC) + MAX_OFFSET
    return window.last is None and event.series_ends_at > edge


def api_events(
    event_filter: EventFilter, window: Window, per_page: int, after=None, skip: int = 0
) -> tuple[list[Event], bool]:
    """Events (not occurrences) in the window, by ``(starts_at, id)``, after the cursor
    ``after`` and ``skip`` further matches: (events, has_more). The same events as the
    agenda's occurrences plus its on-demand section: a dated event is in the window when
    one of its occurrence rows is."""
    low, _ = window.day_range()
    where = [
        sa.or_(
            sa.and_(
                Event.format != "on-demand",
                *window.dated_sql(ordered=True),
                occurs_in(window, low),
            ),
            sa.and_(Event.format == "on-demand", *window.on_demand_sql()),
        )
    ]
    found: list[Event] = []
    batch = per_page + skip + 1
    while True:
        events = events_in_order(event_filter, window, where, batch, after)
        for event in events:
            checked = event.format == "on-demand" or surely_holds(window, event)
            if not (checked or window.holds(event)):
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


def api_total(event_filter: EventFilter, window: Window) -> int:
    """:func:`count_events`, remembered per data version (see :mod:`.memo`)."""
    from .memo import remembered

    key = ("api_total", tuple(event_filter.params()), window.first, window.last,
           window.day_range(), *listing_instant(window))  # fmt: skip
    return remembered(key, lambda: count_events(event_filter, window))


def listing_instant(window: Window) -> tuple:
    """What a remembered count may depend on besides the data: cancelled events leave the
    lists when they end and ``open=1`` closes with deadlines, so it is kept for a minute
    at most."""
    return (int(window.now.timestamp()) // 60,)


def count_events(event_filter: EventFilter, window: Window) -> int:
    """How many events :func:`api_events` lists over all its pages. A one-time event far
    enough inside the window is counted from the events table alone; a series, or an event
    near the window's edges, by its occurrence rows (exact with ``from=``); without
    ``from=``, the events whose rows all lie within a day of today are checked zone by
    zone."""
    low, high = window.day_range()
    base = [listed(window.now), *event_filter.conditions(window.now)]
    on_demand = sa.and_(Event.format == "on-demand", *window.on_demand_sql())
    dated = sa.and_(Event.format != "on-demand", *window.dated_sql())
    single = [
        Event.rrule.is_(None),
        Event.rdates.is_(None),
        Event.series_ends_at > datetime.combine(high, time(0), tzinfo=UTC) + MAX_OFFSET,
    ]
    if window.last is not None:
        end = datetime.combine(window.last + timedelta(days=1), time(0), tzinfo=UTC)
        single.append(Event.starts_at < end - MAX_OFFSET)
    surely = sa.and_(*single)

    def count(*where) -> int:
        return db.session.scalar(sa.select(sa.func.count(Event.id)).where(*base, *where)) or 0

    total = count(sa.or_(on_demand, sa.and_(dated, surely)))
    total += count(dated, sa.not_(surely), occurs_in(window, high))
    if low == high:
        return total
    uncertain = sa.and_(
        dated, sa.not_(surely), occurs_in(window, low, before=high), ~occurs_in(window, high)
    )
    checked = db.session.scalars(sa.select(Event).where(*base, uncertain))
    return total + sum(1 for event in checked if window.holds(event))
