"""Every kind of iCalendar output the hub serves is accepted by five independent parsers,
and they agree on when every occurrence starts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from htpm_events.events.services import cancel
from htpm_events.extensions import db
from htpm_events.feeds.ical import event_ics

from .parsers import all_parsers, ical_strict, icaljs


@pytest.fixture
def varied(january_event, jan):
    """A feed's worth of the shapes events come in."""
    events = [
        january_event(day=13, timezone="America/Los_Angeles"),
        january_event(
            day=7,
            title="Art exhibit, Jan 7–31",
            format="in-person",
            event_type="exhibit",
            venue_name="Hall; east wing",
            address="744 P Street",
            city="Sacramento",
            state="CA",
            postal_code="95814",
            all_day=True,
            start_time=None,
            end_time=None,
            end_date=jan(31),
            timezone="America/Los_Angeles",
        ),
        january_event(day=11, level="federal", state="", timezone="UTC"),
        january_event(day=5, recurrence="weekly", recurrence_until=jan(26)),
        january_event(day=20, timezone="Pacific/Guam", recurrence="daily", recurrence_count=3),
        january_event(day=25, timezone="America/Phoenix", description="Ünïcödé — “quotes” \\ ;,"),
        january_event(
            day=28,
            all_day=True,
            start_time=None,
            end_time=None,
            recurrence="monthly",
            recurrence_until=jan(28).replace(month=3),
        ),  # fmt: skip
    ]
    late = jan(1).replace(month=2, day=25)
    events.append(
        january_event(
            start_date=late,
            end_date=late,
            timezone="America/Chicago",
            recurrence="weekly",
            recurrence_count=5,
        )  # fmt: skip
    )
    cancelled = january_event(day=22, title="Cancelled vigil")
    cancel(cancelled)
    db.session.commit()
    return events + [cancelled]


def assert_all_agree(body: bytes, start, end, expected_uids: set[str]) -> None:
    found = all_parsers(body, start, end)
    reference = found["recurring-ical-events"]
    assert {uid for uid, _ in reference} == expected_uids
    for parser, occurrences in found.items():
        assert occurrences == reference, parser


def test_full_feed_is_accepted_by_all_five_parsers(varied, feed, jan):
    body = feed()
    window = (jan(1), jan(1).replace(month=4))
    assert_all_agree(body, *window, {e.uid for e in varied})
    assert len(ical_strict(body).events) == len(varied)
    assert sorted(icaljs(body)["tzids"]) == [
        "America/Chicago",
        "America/Los_Angeles",
        "America/New_York",
        "America/Phoenix",
        "Pacific/Guam",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=federal", [2]),  # the UTC event of Jan 11
        ("state=CA&format=in-person", [1]),  # the exhibit
        ("topic=awareness", []),  # an empty feed is still a calendar
    ],
)
def test_filtered_and_empty_feeds_are_accepted(varied, feed, jan, query, expected):
    body = feed(query)
    found = all_parsers(body, jan(1), jan(1) + timedelta(days=90))
    for parser, occurrences in found.items():
        assert {uid for uid, _ in occurrences} == {varied[i].uid for i in expected}, parser
    assert len(ical_strict(body).events) == len(expected)


def test_single_event_files_are_accepted(varied, client, jan):
    for event in varied:
        response = client.get(f"/events/{event.id}.ics")
        assert response.status_code == 200
        assert_all_agree(response.data, jan(1), jan(1).replace(month=4), {event.uid})


def test_registration_attachment_is_accepted(january_event, jan):
    event = january_event(registration_mode="hub", registration_url="", capacity=20)
    body = event_ics(event, for_attendee=True)
    assert_all_agree(body, jan(1), jan(31), {event.uid})
