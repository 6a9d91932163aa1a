"""The month grid: weeks from Sunday, each occurrence on every local day it covers."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from babel.dates import format_date
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..events.filters import EventFilter
from ..events.keydates import ensure_key_dates, key_dates_between
from ..events.models import KeyDate
from ..events.occurrences import Occurrence
from ..events.queries import Grid, Window, agenda, grid_days
from ..events.services import clock, short_zone
from ..extensions import db
from ..i18n import current_locale
from ..timeutil import now_utc
from . import links
from .common import filter_form, hub_today, parse_filter, query_with

#: Occurrences shown in one day's cell; the rest are behind a "N more" link to the list.
DAY_LIMIT = 6
YEARS = (1900, 2999)


@dataclass
class Day:
    date: date
    in_month: bool
    is_today: bool
    #: The first :data:`DAY_LIMIT` occurrences of the day.
    items: list[Occurrence] = field(default_factory=list)
    key_dates: list[KeyDate] = field(default_factory=list)
    focus_week: KeyDate | None = None
    #: How many occurrences the day has in all.
    total: int = 0

    @property
    def shown(self) -> list[Occurrence]:
        return self.items[:DAY_LIMIT]

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.shown))


def grid_bounds(year: int, month: int) -> tuple[date, date]:
    """The Sunday before (or on) the 1st and the Saturday after (or on) the last day."""
    first = date(year, month, 1)
    last = date(year, month, pycalendar.monthrange(year, month)[1])
    start = first - timedelta(days=(first.weekday() + 1) % 7)
    end = last + timedelta(days=6 - (last.weekday() + 1) % 7)
    return start, end


def build_weeks(
    year: int, month: int, grid: Grid | None, key_dates: list[KeyDate], today: date
) -> list[list[Day]]:
    start, end = grid_bounds(year, month)
    days: dict[date, Day] = {}
    day = start
    while day <= end:
        days[day] = Day(day, day.month == month, day == today)
        day += timedelta(days=1)
    if grid is not None:
        for day, items in grid.items.items():
            days[day].items = items
            days[day].total = grid.counts.get(day, len(items))
    for kd in key_dates:
        day = max(kd.start_date, start)
        while day <= min(kd.end_date, end):
            if kd.kind == "focus-week":
                days[day].focus_week = kd
            else:
                days[day].key_dates.append(kd)
            day += timedelta(days=1)
    ordered = list(days.values())
    return [ordered[i : i + 7] for i in range(0, len(ordered), 7)]


def current():
    """/calendar: this month, with the same filters."""
    today = hub_today(now_utc())
    target = url_for("calendar.month", year=today.year, month=today.month)
    query = request.query_string.decode()
    return redirect(target + ("?" + query if query else ""), 302)


def month(year: int, month: int):
    if not 1 <= month <= 12 or not YEARS[0] <= year <= YEARS[1]:
        abort(
            404,
            description=_(
                "There is no month %(month)s of %(year)s in the calendar.", month=month, year=year
            ),
        )
    event_filter = parse_filter()
    now = now_utc()
    start, end = grid_bounds(year, month)
    first = max(start, event_filter.date_from or start)
    last = min(end, event_filter.date_to or end)
    window = Window(now, first, last)
    grid = grid_days(event_filter, window, DAY_LIMIT) if first <= last else None
    if month == 1:
        ensure_key_dates(year)
        db.session.commit()
    key_dates = key_dates_between(start, end)
    weeks = build_weeks(year, month, grid, key_dates, hub_today(now))
    prev_month = date(year, month, 1) - timedelta(days=1)
    next_month = date(year, month, 28) + timedelta(days=7)
    query = event_filter.query_string()
    empty = not any(day.items for week in weeks for day in week if day.in_month)
    later = next_month_with_events(event_filter, next_month.replace(day=1)) if empty else None
    return render_template(
        "calendar/month.html",
        year=year,
        month=month,
        month_name=month_title(date(year, month, 1), with_year=False),
        month_heading=month_title(date(year, month, 1)),
        day_title=day_title,
        long_day=long_day,
        weekday_names=weekday_names(),
        weeks=weeks,
        key_dates=[
            kd for kd in key_dates if kd.start_date.month == month or kd.end_date.month == month
        ],
        day_query=lambda day: query_with(event_filter, from_=day, to=day, page=None),
        prev_url=url_for("calendar.month", year=prev_month.year, month=prev_month.month)
        + ("?" + query if query else ""),
        next_url=url_for("calendar.month", year=next_month.year, month=next_month.month)
        + ("?" + query if query else ""),
        query=query,
        prev_name=month_title(prev_month),
        next_name=month_title(next_month),
        grid_time=lambda occ: f"{clock(occ.start)} {short_zone(occ.event.timezone, occ.start)}",
        count=grid.total if grid else 0,
        empty=empty,
        later_name=month_title(later) if later else None,
        later_url=url_for("calendar.month", year=later.year, month=later.month)
        + ("?" + query if query else "")
        if later
        else None,
        subscribe=links.subscribe_links(event_filter),
        **filter_form(event_filter),
    )


def next_month_with_events(event_filter: EventFilter, first: date) -> date | None:
    """The first day of the first month from ``first`` on in which an event (with these
    filters) takes place, for the note on an empty month; None when there is none."""
    if event_filter.date_to is not None and event_filter.date_to < first:
        return None
    window = Window(now_utc(), first, event_filter.date_to)
    page = agenda(event_filter, window, per_page=1)
    if not page.occurrences:
        return None
    return window.day_of(page.occurrences[0]).replace(day=1)


def month_title(day: date, with_year: bool = True) -> str:
    """ "January 2027" / "enero de 2027" (CLDR's stand-alone month names)."""
    locale = current_locale()
    if locale == "en":
        name = pycalendar.month_name[day.month]
        return f"{name} {day.year}" if with_year else name
    if not with_year:
        return format_date(day, "LLLL", locale=locale)
    return format_date(day, "LLLL 'de' y", locale=locale)


def weekday_names() -> list[tuple[str, str]]:
    """The grid's Sunday-first column heads: (short, full) in the page's language."""
    sunday = date(2023, 1, 1)
    locale = current_locale()
    return [
        (
            format_date(sunday + timedelta(days=i), "EEE", locale=locale),
            format_date(sunday + timedelta(days=i), "EEEE", locale=locale),
        )
        for i in range(7)
    ]


def day_title(day: date) -> str:
    """ "Tuesday, January 27" / "martes, 27 de enero"."""
    locale = current_locale()
    if locale == "en":
        return f"{day:%A, %B} {day.day}"
    return format_date(day, "EEEE, d 'de' MMMM", locale=locale)


def long_day(day: date) -> str:
    """ "January 27" / "27 de enero"."""
    if current_locale() == "en":
        return f"{day:%B} {day.day}"
    return format_date(day, "d 'de' MMMM", locale=current_locale())
