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
    "start_date": date(2027, 1, 14),
    "start_time": time(10, 0),
    "end_date": date(2027, 1, 14),
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


def event_data(**overrides) -> dict:
    return {**EVENT_DEFAULTS, **overrides}


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
