"""Public pages: home, the agenda list and event pages (URL rules in blueprint.py)."""

from __future__ import annotations

import re
from datetime import date

from flask import render_template, url_for

from ..events.filters import EventFilter
from ..events.keydates import ensure_key_dates, key_dates_between
from ..events.occurrences import local_bounds
from ..events.queries import Window, agenda, best_matches, on_demand, public_event_or_404
from ..events.services import deadline_label
from ..extensions import db
from ..text import render_markdown, slugify
from ..timeutil import next_htpm_year, now_utc
from . import links
from .common import filter_form, hub_today, page_arg, page_url, parse_filter
from .jsonld import event_jsonld, flyer_url, open_graph

PER_PAGE = 50
HOME_UPCOMING = 8


def home():
    now = now_utc()
    window = Window(now)
    soon = agenda(EventFilter(), window, 1, 40).occurrences
    today = [occ for occ in soon if window.day_of(occ) == window.start_day(occ.event.timezone)]
    upcoming = [occ for occ in soon if occ not in today and occ.start > now][:HOME_UPCOMING]
    year = next_htpm_year(hub_today(now))
    ensure_key_dates(year)
    db.session.commit()
    key_dates = key_dates_between(date(year, 1, 1), date(year, 1, 31))
    return render_template(
        "calendar/home.html",
        today=today[:HOME_UPCOMING],
        more_today=len(today) > HOME_UPCOMING,
        upcoming=upcoming,
        key_dates=key_dates,
        year=year,
        hub_today=hub_today(now),
        subscribe=links.subscribe_links(EventFilter()),
    )


def events():
    event_filter = parse_filter()
    page = page_arg()
    now = now_utc()
    window = Window.of(event_filter, now)
    result = agenda(event_filter, window, page, PER_PAGE)
    on_demand_items, more_on_demand = on_demand(event_filter, window, page, PER_PAGE)
    has_next = result.has_next or more_on_demand
    base = url_for("calendar.events")
    month_of = event_filter.date_from or hub_today(now)
    query = event_filter.query_string()
    return render_template(
        "calendar/events.html",
        days=result.days,
        on_demand=on_demand_items,
        matches=best_matches(event_filter, window) if page == 1 else [],
        page=page,
        prev_url=page_url(base, event_filter, page - 1) if page > 1 else None,
        next_url=page_url(base, event_filter, page + 1) if has_next else None,
        month_url=url_for("calendar.month", year=month_of.year, month=month_of.month)
        + ("?" + query if query else ""),
        subscribe=links.subscribe_links(event_filter),
        window=window,
        per_page=PER_PAGE,
        **filter_form(event_filter),
    )


def description_html(markdown: str) -> str:
    """The sanitized description, its headings moved one level down to sit under the
    page's "About this event" (h2). The tags are nh3's output: bare, without attributes."""
    return re.sub(
        r"<(/?)h([2-4])>", lambda m: f"<{m[1]}h{int(m[2]) + 1}>", render_markdown(markdown)
    )


def event(event_id: int, slug: str | None = None):
    """The event page; every URL of it names the slug URL as canonical."""
    item = public_event_or_404(event_id)
    now = now_utc()
    upcoming = Window(now).occurrences(item)[:10] if item.rrule else []
    first_start, first_end = local_bounds(item)
    return render_template(
        "calendar/event.html",
        event=item,
        slug=slugify(item.title),
        canonical=links.event_url(item),
        description_html=description_html(item.description or ""),
        jsonld=event_jsonld(item, now),
        og=open_graph(item),
        calendar_links=links.add_to_calendar(item),
        maps=links.maps_links(item),
        registration_open=links.registration_open(item, now),
        flyer=flyer_url(item),
        upcoming=upcoming,
        first_start=first_start,
        first_end=first_end,
        ended=item.series_ends_at is not None and item.series_ends_at <= now,
        deadline_text=deadline_label(item),
        seats_left=hub_seats_left(item),
    )


def hub_seats_left(event) -> int | None:
    """Places left of a one-date hub-mode event (a series counts per date, on its form)."""
    if event.registration_mode != "hub" or event.rrule or not event.capacity:
        return None
    from ..registration.services import seats_left

    return seats_left(event, event.start_date)
