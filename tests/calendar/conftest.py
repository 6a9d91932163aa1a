"""Data for the public calendar tests: a small catalog of events that differ in every §4
filter, placed in a January at least four years ahead (so that "registration open" and
"upcoming" hold) whose calendar is 2031's (Jan 1 on a Wednesday, not a leap year), so the
weekdays the tests name stay right whatever year the suite runs in."""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime, time

import pytest

from ..builders import next_january


def catalog_year() -> int:
    year = next_january() + 4
    while date(year, 1, 1).weekday() != 2 or pycalendar.isleap(year):
        year += 1
    return year


YEAR = catalog_year()  # 2031 while the suite runs in 2026
JANUARY = f"from={YEAR}-01-01&to={YEAR}-01-31"

IN_PERSON = {
    "venue_name": "Civic Center",
    "address": "100 Main Street",
    "city": "Louisville",
    "postal_code": "40202",
}


@pytest.fixture
def catalog(make_event):
    """Six public events and two hidden ones; returns them by short name."""
    events = {
        "federal": make_event(
            title="Federal Labor Webinar",
            organization="U.S. Department of Labor",
            level="federal",
            state="",
            format="virtual",
            event_type="webinar",
            topics=["labor-exploitation"],
            audiences=["law-enforcement"],
            accessibility=["captions"],
            languages=["en"],
            start_date=date(YEAR, 1, 6),
            end_date=date(YEAR, 1, 6),
            start_time=time(13),
            end_time=time(14),
            description="Spotting forced labor in supply chains.",
        ),
        "walk": make_event(
            title="Kentucky Awareness Walk",
            organization="Kentucky Coalition Against Trafficking",
            level="state",
            state="KY",
            format="in-person",
            event_type="awareness-walk",
            topics=["awareness"],
            audiences=["general-public"],
            accessibility=["wheelchair"],
            languages=["en", "es"],
            cost="$10",
            registration_mode="none",
            registration_url="",
            online_url="",
            start_date=date(YEAR, 1, 11),
            end_date=date(YEAR, 1, 11),
            start_time=time(9),
            end_time=time(11),
            **IN_PERSON,
        ),
        "tribal": make_event(
            title="Tribal Healing Training",
            organization="Navajo Nation Victim Services",
            level="tribal",
            state="AZ",
            timezone="America/Phoenix",
            format="hybrid",
            event_type="training",
            topics=["trauma-informed-care"],
            audiences=["tribal-communities", "health-care"],
            accessibility=["asl"],
            languages=["en"],
            registration_deadline=datetime(2026, 11, 1, 17, 0),
            start_date=date(YEAR, 1, 15),
            end_date=date(YEAR, 1, 15),
            start_time=time(10),
            end_time=time(12),
            **{**IN_PERSON, "city": "Window Rock", "postal_code": "86515"},
        ),
        "film": make_event(
            title="Community Film Night",
            organization="Bay Area Youth Alliance",
            level="community",
            state="CA",
            timezone="America/Los_Angeles",
            format="in-person",
            event_type="film-screening",
            topics=["child-trafficking"],
            audiences=["youth", "parents-caregivers"],
            accessibility=[],
            languages=["es"],
            cost="Free",
            registration_mode="hub",
            registration_url="",
            capacity=50,
            online_url="",
            start_date=date(YEAR, 1, 20),
            end_date=date(YEAR, 1, 20),
            start_time=time(18),
            end_time=time(20),
            **{**IN_PERSON, "city": "Oakland", "postal_code": "94612"},
        ),
        "course": make_event(
            title="Self-Paced Awareness Course",
            organization="U.S. Department of Labor",
            level="federal",
            state="",
            format="on-demand",
            event_type="training",
            topics=["awareness"],
            audiences=["general-public"],
            registration_mode="none",
            registration_url="",
            start_date=date(2026, 11, 1),
            end_date=None,
            start_time=None,
            end_time=None,
        ),
        "february": make_event(
            title="February Survivor Panel",
            organization="Survivor Leaders Network",
            level="community",
            state="",
            format="virtual",
            event_type="panel",
            topics=["survivor-leadership"],
            start_date=date(YEAR, 2, 10),
            end_date=date(YEAR, 2, 10),
        ),
    }
    events["pending"] = make_event(
        status="pending", title="Pending Federal Secret", level="federal",
        start_date=date(YEAR, 1, 7), end_date=date(YEAR, 1, 7),
    )  # fmt: skip
    events["rejected"] = make_event(
        status="rejected", title="Rejected Federal Thing", level="federal",
        start_date=date(YEAR, 1, 8), end_date=date(YEAR, 1, 8),
    )  # fmt: skip
    return events
