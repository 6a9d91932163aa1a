"""Public pages: home, the agenda list and event pages."""

from datetime import date
from itertools import groupby

from flask import Blueprint, render_template

from ..events.keydates import key_dates_between
from ..events.queries import on_demand_events, public_event_or_404, upcoming_occurrences
from ..extensions import db
from ..text import slugify
from ..timeutil import next_htpm_year, now_utc

bp = Blueprint("calendar", __name__)

PER_PAGE = 50


@bp.route("/")
def home():
    now = now_utc()
    upcoming = upcoming_occurrences(now, 8)
    year = next_htpm_year(now.date())
    key_dates = key_dates_between(date(year, 1, 1), date(year, 1, 31))
    return render_template("calendar/home.html", upcoming=upcoming, key_dates=key_dates, year=year)


@bp.route("/events")
def events():
    now = now_utc()
    items = upcoming_occurrences(now, PER_PAGE)
    days = [(day, list(group)) for day, group in groupby(items, key=lambda occ: occ.start.date())]
    on_demand = list(db.session.scalars(on_demand_events(now)))
    return render_template("calendar/events.html", days=days, on_demand=on_demand)


@bp.route("/events/<int:event_id>")
@bp.route("/events/<int:event_id>/<slug>")
def event(event_id: int, slug: str | None = None):
    """The event page; every URL of it names the slug URL as canonical."""
    item = public_event_or_404(event_id)
    return render_template("calendar/event.html", event=item, slug=slugify(item.title))
