"""Registering through the hub: the form, seats and the waitlist, the confirmation with a
calendar invitation, registering twice, bad input, closed registration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from htpm_events.events.services import cancel
from htpm_events.extensions import db
from htpm_events.timeutil import now_utc

from ..feeds.parsers import ical_strict, icaljs
from .conftest import body, calendar_part, registrations, sign_up, soon


def test_the_form_says_how_many_places_are_left(client, hub_event):
    event = hub_event(capacity=40)
    page = client.get(f"/events/{event.id}/register").get_data(as_text=True)
    assert "40 of 40 places left" in page
    for name in ("name", "email", "needs", "consent", "website"):
        assert f'name="{name}"' in page


def test_registering_confirms_and_mails_an_invitation_with_the_private_join_link(
    client, hub_event, mailbox
):
    event = hub_event()
    response = sign_up(client, event, needs="ASL interpreter")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are registered" in page and "ana@example.org" in page

    [registration] = registrations(event.id)
    assert (registration.status, registration.needs) == ("confirmed", "ASL interpreter")
    [message] = mailbox.to("ana@example.org")
    assert message["Subject"] == "You are registered: Film screening: Sold"
    text = body(message)
    assert "https://example.org/join/private-room" in text
    assert "/registration/" in text  # the cancel link

    mime_method, cal, raw = calendar_part(message)
    assert mime_method == cal["METHOD"] == "REQUEST"  # the MIME type and the file agree
    [vevent] = cal.walk("VEVENT")
    assert vevent["UID"] == event.uid
    assert vevent["ATTENDEE"] == "mailto:ana@example.org"
    assert vevent["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(vevent["ORGANIZER"]).startswith("mailto:")
    assert vevent["DTSTART"].dt.date() == event.start_date
    assert "https://example.org/join/private-room" in str(vevent["DESCRIPTION"])
    # Other parsers read it too: the strict RFC 5545 one and Thunderbird's.
    [strict] = ical_strict(raw).events
    assert strict.uid == event.uid
    js = icaljs(raw, event.start_date, event.start_date + timedelta(days=1))
    assert [o["uid"] for o in js["occurrences"]] == [event.uid]


def test_past_capacity_people_join_the_waitlist_in_order(client, hub_event, mailbox):
    event = hub_event(capacity=2)
    for n in range(4):
        sign_up(client, event, email=f"p{n}@example.org", name=f"Person {n}")
    assert [r.status for r in registrations(event.id)] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    [notice] = mailbox.to("p2@example.org")
    assert notice["Subject"].startswith("You are on the waitlist")
    assert calendar_part(notice) is None  # no seat: nothing for the calendar yet
    assert "private-room" not in body(notice)  # nor the join link
    page = client.get(f"/events/{event.id}/register").get_data(as_text=True)
    assert "Every place is taken" in page and "Join the waitlist" in page


def test_registering_twice_sends_the_confirmation_again_and_adds_nothing(
    client, hub_event, mailbox
):
    event = hub_event()
    sign_up(client, event, email="Ana@Example.org")
    response = sign_up(client, event, email="ana@example.org ")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were already registered" in page
    assert len(registrations(event.id)) == 1
    first, second = mailbox.to("ana@example.org")
    one, two = (calendar_part(m)[1].walk("VEVENT")[0] for m in (first, second))
    assert one["UID"] == two["UID"] and one["SEQUENCE"] == two["SEQUENCE"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address"),
        ({"consent": ""}, "consent", "Tick the box to agree"),
        ({"name": ""}, "name", "Enter your name."),
        ({"occurrence": "2031-02-30"}, "occurrence", "Not a valid choice"),
        ({"name": "Ana\x07"}, "name", "Remove control characters"),
    ],
)
def test_bad_input_is_refused_at_the_field_and_what_was_typed_is_kept(
    client, hub_event, change, field, message
):
    event = hub_event()
    data = {"needs": "Spanish interpretation", **change}
    response = sign_up(client, event, **data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="field-{field}"' in page and "has-error" in page
    assert "Spanish interpretation" in page  # kept
    if field != "name":
        assert "Ana Pérez" in page
    assert registrations(event.id) == []


def test_a_recurring_event_registers_per_date_with_its_own_places(client, hub_event, mailbox):
    event = hub_event(capacity=1, recurrence="weekly", recurrence_count=3)
    second = event.start_date + timedelta(days=7)
    page = client.get(f"/events/{event.id}/register").get_data(as_text=True)
    assert f'value="{second.isoformat()}"' in page
    sign_up(client, event, email="a@example.org", occurrence=event.start_date.isoformat())
    sign_up(client, event, email="b@example.org", occurrence=second.isoformat())
    sign_up(client, event, email="c@example.org", occurrence=second.isoformat())
    statuses = [(r.email, r.occurrence, r.status) for r in registrations(event.id)]
    assert statuses == [
        ("a@example.org", event.start_date, "confirmed"),
        ("b@example.org", second, "confirmed"),
        ("c@example.org", second, "waitlisted"),
    ]
    [message] = mailbox.to("b@example.org")
    [vevent] = calendar_part(message)[1].walk("VEVENT")
    assert vevent["DTSTART"].dt.date() == second
    assert "RRULE" not in vevent  # the one date this person comes to
    assert vevent["UID"] == f"{event.uid}-{second:%Y%m%d}"


def test_a_date_that_is_not_offered_is_refused(client, hub_event):
    event = hub_event(recurrence="weekly", recurrence_count=2)
    response = sign_up(client, event, occurrence=(event.start_date + timedelta(days=1)).isoformat())
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)


@pytest.mark.parametrize("why", ["deadline", "cancelled", "started"])
def test_registration_closes_after_the_deadline_the_start_or_a_cancellation(client, hub_event, why):
    day = soon(-1) if why == "started" else soon()
    event = hub_event(start_date=day, end_date=day)
    if why == "deadline":
        event.registration_deadline = now_utc() - timedelta(minutes=1)
    elif why == "cancelled":
        cancel(event)
    db.session.commit()
    page = client.get(f"/events/{event.id}/register")
    assert "Registration closed" in page.get_data(as_text=True)
    response = sign_up(client, event)
    assert response.status_code == 200
    assert "Registration closed" in response.get_data(as_text=True)
    assert registrations(event.id) == []


def test_a_robot_filling_the_honeypot_is_answered_like_a_person_and_nothing_is_kept(
    client, hub_event, mailbox
):
    event = hub_event()
    response = sign_up(client, event, website="http://spam.example")
    assert response.status_code == 303
    assert registrations(event.id) == []
    assert mailbox.messages == []


def test_the_event_page_shows_the_places_left_and_when_it_is_full(client, hub_event):
    event = hub_event(capacity=2)
    assert "2 of 2 places left" in client.get(f"/events/{event.id}").get_data(as_text=True)
    sign_up(client, event, email="a@example.org")
    assert "1 of 2 places left" in client.get(f"/events/{event.id}").get_data(as_text=True)
    sign_up(client, event, email="b@example.org")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "the next registration joins the waitlist" in page


def test_twenty_registrations_an_hour_from_one_address(make_app, hub_event):
    from htpm_events.extensions import limiter

    event = hub_event(capacity=100)
    app = make_app(HTPM_RATELIMITS="on")
    limiter.reset()
    try:
        client = app.test_client()
        for n in range(20):
            assert sign_up(client, event, email=f"p{n}@example.org").status_code == 303
        refused = sign_up(client, event, email="one.more@example.org")
        assert refused.status_code == 429
        assert "registered 20 times in the last hour" in refused.get_data(as_text=True)
        assert len(registrations(event.id)) == 20
        assert client.get(f"/events/{event.id}/register").status_code == 200  # reading is free
    finally:
        limiter.reset()
