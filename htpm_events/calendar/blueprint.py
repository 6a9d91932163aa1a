"""The public calendar's URL rules (SPEC §3), readable at a glance."""

from flask import Blueprint

from . import embed, month, register, views

bp = Blueprint("calendar", __name__)

bp.add_url_rule("/", "home", views.home)
bp.add_url_rule("/events", "events", views.events)
bp.add_url_rule("/events/<int:event_id>", "event", views.event)
bp.add_url_rule("/events/<int:event_id>/<slug>", "event", views.event)
bp.add_url_rule(
    "/events/<int:event_id>/register", "register", register.register, methods=["GET", "POST"]
)
bp.add_url_rule("/calendar", "month_now", month.current)
bp.add_url_rule("/calendar/<int:year>/<int:month>", "month", month.month)
bp.add_url_rule("/embed/events", "embed", embed.events)
