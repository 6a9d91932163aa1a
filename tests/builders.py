"""Test data builders: fixtures that return functions with sensible defaults."""

from __future__ import annotations

from datetime import date, time

import pytest

from htpm_events.accounts.models import User
from htpm_events.events.models import Event
from htpm_events.events.services import apply_data, publish
from htpm_events.extensions import db

EVENT_DEFAULTS = {
    "title": "Recognizing Labor Trafficking",
    "description": "A one-hour webinar for **social workers**.",
    "organization": "Kentucky Coalition Against Trafficking",
    "level": "state",
    "state": "KY",
    "format": "virtual",
    "event_type": "webinar",
    "topics": ["labor-exploitation"],
    "audiences": ["social-services"],
    "timezone": "America/New_York",
    "start_time": time(10, 0),
    "end_time": time(11, 0),
    "all_day": False,
    "recurrence": "none",
    "recurrence_until": None,
    "recurrence_count": None,
    "venue_name": "",
    "address": "",
    "city": "",
    "postal_code": "",
    "online_url": "https://example.org/join/labor",
    "registration_mode": "external",
    "registration_url": "https://example.org/register/labor",
    "registration_deadline": None,
    "capacity": None,
    "cost": "",
    "ce_credits": "",
    "languages": ["en"],
    "accessibility": ["captions"],
    "contact_name": "Dana Organizer",
    "contact_email": "dana@example.org",
}


def next_january() -> int:
    """The year of the coming January: next year's, so that its events are always ahead of
    today (whatever today is: mid-January or years from now) and public lists show them."""
    return date.today().year + 1


def default_day() -> date:
    """The default event's day: January 14 of the coming January."""
    return date(next_january(), 1, 14)


def day_text(day: date) -> str:
    """A day as pages and e-mails write it ("Thu Jan 14 2027")."""
    return f"{day:%a %b} {day.day} {day.year}"


def event_data(**overrides) -> dict:
    """A valid event (SPEC §2 names) on :func:`default_day` unless told otherwise; the end
    date follows the start date."""
    data = {**EVENT_DEFAULTS, "start_date": default_day(), **overrides}
    data.setdefault("end_date", data["start_date"])
    return data


@pytest.fixture
def make_event(app):
    """``make_event(status="approved", **fields)``: an event saved and committed."""

    def build(status: str = "approved", source: str = "form", **overrides) -> Event:
        event = Event(source=source)
        apply_data(event, event_data(**overrides))
        db.session.add(event)
        if status == "approved":
            publish(event)
        else:
            event.status = status
        db.session.commit()
        return event

    return build


@pytest.fixture
def make_user(app):
    def build(
        email: str = "mod@example.org",
        password: str = "correct horse battery",
        role: str = "moderator",
        active: bool = True,
    ) -> User:
        user = User(email=email, role=role, active=active)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return build
