"""Hub-mode events and registering as a browser does; the mail arrives at a real loopback
SMTP server (the tests' queue runs the delivery job at once)."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import icalendar
import pytest
import sqlalchemy as sa

from htpm_events.extensions import db
from htpm_events.registration.models import Registration


def soon(days: int = 10) -> date:
    return date.today() + timedelta(days=days)


@pytest.fixture
def hub_event(make_event):
    """``hub_event(capacity=2, **fields)``: a published hub-mode event in ten days."""

    def build(capacity: int = 2, **overrides):
        fields = {
            "registration_mode": "hub",
            "registration_url": "",
            "capacity": capacity,
            "start_date": soon(),
            "end_date": soon(),
            "start_time": time(10, 0),
            "end_time": time(11, 30),
            "title": "Film screening: Sold",
            "online_url": "https://example.org/join/private-room",
        }
        fields.update(overrides)
        return make_event(**fields)

    return build


@pytest.fixture
def client(mail_app):
    return mail_app.test_client()


def sign_up(client, event, email="ana@example.org", name="Ana Pérez", **extra):
    data = {"name": name, "email": email, "consent": "y", "needs": ""}
    data.update(extra)
    if "occurrence" not in data:
        data["occurrence"] = event.start_date.isoformat()
    return client.post(f"/events/{event.id}/register", data=data)


def registrations(event_id: int) -> list[Registration]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == event_id)
            .order_by(Registration.created, Registration.id)
        )
    )


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def calendar_part(message):
    """(the MIME type's method, parsed calendar, raw bytes) of the message's .ics attachment."""
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            raw = part.get_payload(decode=True)
            return part.get_param("method"), icalendar.Calendar.from_ical(raw), raw
    return None


def cancel_link(message) -> str:
    return re.search(r"http://localhost(/registration/[A-Za-z0-9_-]+)", body(message)).group(1)


def admin_client_for(app, make_user):
    """A test client logged in as an admin (moderation pages)."""
    from ..moderation.conftest import PASSWORD, log_in

    make_user("admin@example.org", PASSWORD, "admin")
    client = app.test_client()
    log_in(client, "admin@example.org")
    return client
