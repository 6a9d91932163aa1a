"""GET /events/<id>/register: the hub's counted registration link (SPEC §3, §7).

External registration: one click is counted for the event and the (UTC) day, and the
visitor is sent on with a 302; nothing about the visitor is kept. After the deadline (or,
without one, once the event has started) the page says registration is closed instead.
Hub registration shows the hub's own form (``registration/views.py``)."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from ..events.queries import public_event_or_404
from ..extensions import db, limiter
from ..registration.models import RegisterClick
from ..text import is_http_url
from ..timeutil import now_utc
from . import links


def count_click(event_id: int, day: date) -> None:
    """Add one to the day's count: a single INSERT … ON CONFLICT DO UPDATE, atomic on
    SQLite and PostgreSQL, so simultaneous clicks are never lost or doubled."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(RegisterClick).values(event_id=event_id, day=day, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[RegisterClick.event_id, RegisterClick.day],
        set_={"count": RegisterClick.count + 1},
    )
    db.session.execute(statement)


def registered(response) -> bool:
    """Only a registration that went through (a redirect) counts towards the hourly limit."""
    return response.status_code in (302, 303)


@limiter.limit(
    "20 per hour",
    methods=["POST"],
    deduct_when=registered,
    error_message=lambda: _(
        "This connection has registered 20 times in the last hour. Please try again later."
    ),
)
@limiter.limit(
    "120 per hour",
    methods=["POST"],
    error_message=lambda: _("Too many attempts from this connection. Please try again in an hour."),
)
def register(event_id: int):
    event = public_event_or_404(event_id)
    if event.registration_mode not in ("external", "hub"):
        abort(404, description=_("This event has no registration."))
    if event.registration_mode == "hub":
        from ..registration.views import hub_register

        return hub_register(event)  # the form, or "closed" when no date is open
    now = now_utc()
    if not links.registration_open(event, now):
        return render_template("calendar/register.html", event=event, state="closed", now=now)
    if not event.registration_url or not is_http_url(event.registration_url):
        # Forms accept http(s) only; never send a visitor on to javascript: or data:
        # whatever path a value took into the database.
        abort(404, description=_("This event has no registration link."))
    if request.method == "GET":  # a HEAD (link checkers, previews) is not a click
        count_click(event.id, now.date())
        db.session.commit()
    response = redirect(event.registration_url, 302)
    response.headers["Cache-Control"] = "no-store"  # every follow-through reaches the count
    response.headers["X-Robots-Tag"] = "noindex"
    return response
