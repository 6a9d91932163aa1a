"""After registering: the attendee's cancel link (GET shows, POST cancels), promotion from
the waitlist, calendar updates when a published event moves, cancellation of the event, and
the capacity an edit may (not) set."""

from __future__ import annotations

from datetime import time, timedelta

from htpm_events.events.models import Event
from htpm_events.extensions import db

from ..submissions.helpers import form as event_form
from .conftest import (
    admin_client_for,
    body,
    calendar_part,
    cancel_link,
    registrations,
    sign_up,
)


def vevent(message):
    method, cal, _ = calendar_part(message)
    [item] = cal.walk("VEVENT")
    return method, cal["METHOD"], item


def test_the_cancel_link_cancels_only_on_post_and_promotes_the_first_waiting(
    client, hub_event, mailbox
):
    event = hub_event(capacity=1)
    for n in range(3):
        sign_up(client, event, email=f"p{n}@example.org", name=f"Person {n}")
    [confirmation] = mailbox.to("p0@example.org")
    link = cancel_link(confirmation)

    page = client.get(link)  # a link preview, a mail scanner, or the person
    assert page.status_code == 200
    assert "Cancel my registration" in page.get_data(as_text=True)
    assert [r.status for r in registrations(event.id)] == ["confirmed", "waitlisted", "waitlisted"]

    response = client.post(link)
    assert response.status_code == 303
    assert [r.status for r in registrations(event.id)] == ["cancelled", "confirmed", "waitlisted"]

    # The person who cancelled: a CANCEL for the same UID, with a higher SEQUENCE.
    cancelled = mailbox.to("p0@example.org")[-1]
    assert cancelled["Subject"].startswith("Registration cancelled")
    mime, method, item = vevent(cancelled)
    _, _, first = vevent(confirmation)
    assert mime == method == "CANCEL"
    assert item["UID"] == first["UID"]
    assert item["SEQUENCE"] > first["SEQUENCE"]
    assert item["STATUS"] == "CANCELLED"

    # The first on the waitlist gets the place and the invitation; the second waits on.
    promoted = mailbox.to("p1@example.org")[-1]
    assert promoted["Subject"].startswith("A place opened up")
    assert vevent(promoted)[1] == "REQUEST"
    assert len(mailbox.to("p2@example.org")) == 1  # only the waitlist notice

    again = client.get(link).get_data(as_text=True)  # the link, used again
    assert "This registration is cancelled" in again
    client.post(link)
    assert len(mailbox.to("p0@example.org")) == 2  # nothing more happened


def test_a_tampered_cancel_link_changes_nothing(client, hub_event, mailbox):
    event = hub_event()
    sign_up(client, event)
    link = cancel_link(mailbox.to("ana@example.org")[0])
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 404
    assert client.post(tampered).status_code == 404
    assert [r.status for r in registrations(event.id)] == ["confirmed"]


def test_moving_a_published_event_updates_every_attendees_calendar(
    mail_app, client, hub_event, mailbox, make_user
):
    event = hub_event(capacity=1)
    sign_up(client, event, email="seat@example.org")
    sign_up(client, event, email="waiting@example.org")
    [confirmation] = mailbox.to("seat@example.org")
    _, _, before = vevent(confirmation)

    admin = admin_client_for(mail_app, make_user)
    data = event_form(**{**edit_fields(event), "start_time": time(14, 0), "end_time": time(15, 0)})
    response = admin.post(f"/moderate/events/{event.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

    update = mailbox.to("seat@example.org")[-1]
    assert update["Subject"].startswith("Changed: ")
    mime, method, item = vevent(update)
    assert mime == method == "REQUEST"
    assert item["UID"] == before["UID"]
    assert item["SEQUENCE"] > before["SEQUENCE"]
    assert item["DTSTART"].dt.hour == 14
    assert "2:00" in body(update)
    assert len(mailbox.to("waiting@example.org")) == 1  # no seat, no calendar entry

    # A change that does not move the event (its description) sends nothing.
    data = event_form(**{**edit_fields(db.session.get(Event, event.id)), "description": "New."})
    admin.post(f"/moderate/events/{event.id}/edit", data=data)
    assert len(mailbox.to("seat@example.org")) == 2


def test_cancelling_the_event_sends_a_cancellation_to_everyone_registered(
    mail_app, client, hub_event, mailbox, make_user
):
    event = hub_event(capacity=1)
    sign_up(client, event, email="seat@example.org")
    sign_up(client, event, email="waiting@example.org")
    admin = admin_client_for(mail_app, make_user)
    response = admin.post(f"/moderate/events/{event.id}/cancel", data={"reason": "Storm."})
    assert response.status_code == 302
    cancelled = mailbox.to("seat@example.org")[-1]
    mime, method, item = vevent(cancelled)
    assert mime == method == "CANCEL"
    assert item["STATUS"] == "CANCELLED"
    notice = mailbox.to("waiting@example.org")[-1]
    assert notice["Subject"].startswith("Cancelled: ")
    assert calendar_part(notice) is None


def test_raising_the_capacity_promotes_and_lowering_it_below_the_seats_taken_is_refused(
    mail_app, client, hub_event, mailbox, make_user
):
    event = hub_event(capacity=2)
    for n in range(4):
        sign_up(client, event, email=f"p{n}@example.org")
    admin = admin_client_for(mail_app, make_user)

    response = admin.post(
        f"/moderate/events/{event.id}/edit", data=event_form(**edit_fields(event, capacity=1))
    )
    assert response.status_code == 400
    assert "cannot go below 2" in response.get_data(as_text=True)
    assert db.session.get(Event, event.id).capacity == 2

    admin.post(
        f"/moderate/events/{event.id}/edit", data=event_form(**edit_fields(event, capacity=3))
    )
    assert [r.status for r in registrations(event.id)] == [
        "confirmed",
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    assert mailbox.to("p2@example.org")[-1]["Subject"].startswith("A place opened up")


def edit_fields(event: Event, **changes) -> dict:
    db.session.refresh(event)
    fields = {
        "title": event.title,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "start_time": event.start_time,
        "end_time": event.end_time,
        "registration_mode": "hub",
        "registration_url": "",
        "capacity": event.capacity,
        "online_url": event.online_url,
        "description": event.description,
    }
    fields.update(changes)
    return fields


def test_the_reminder_goes_once_the_day_before(mail_app, hub_event, mailbox, client):
    from htpm_events.registration.jobs import send_reminders
    from htpm_events.timeutil import now_utc

    event = hub_event()
    sign_up(client, event)
    [registration] = registrations(event.id)
    registration.created = now_utc() - timedelta(days=5)  # registered well before
    db.session.commit()
    assert send_reminders() == 0  # ten days ahead: not yet

    start = now_utc() + timedelta(hours=20)
    local = start.astimezone(__import__("zoneinfo").ZoneInfo(event.timezone))
    event.start_date = event.end_date = local.date()
    event.start_time, event.end_time = local.time().replace(second=0, microsecond=0), None
    registration.occurrence = local.date()
    db.session.commit()
    assert send_reminders() == 1
    assert send_reminders() == 0  # once
    reminder = mailbox.to("ana@example.org")[-1]
    assert reminder["Subject"].startswith("Tomorrow: ")
    assert "private-room" in body(reminder)
