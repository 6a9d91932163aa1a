"""The organizer's registrations (with the manage link): the list with needs highlighted, the
CSV with its formula guard, removing someone, writing to everyone; attendee privacy and the
purge that keeps counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from htpm_events.events.services import issue_manage_token
from htpm_events.extensions import db
from htpm_events.registration.models import RegistrationTally
from htpm_events.registration.services import counts, purge
from htpm_events.timeutil import now_utc

from ..feeds.parsers import icalendar_parse
from .conftest import registrations, sign_up


def manage_path(event) -> str:
    """The organizer's private link (what the receipt e-mail carries)."""
    token = issue_manage_token(event)
    db.session.commit()
    return f"/manage/{token}"


def test_the_organizer_sees_registrants_and_waitlist_with_needs_highlighted(client, hub_event):
    event = hub_event(capacity=1)
    sign_up(client, event, email="seat@example.org", name="Seat Holder", needs="ASL interpreter")
    sign_up(client, event, email="next@example.org", name="Next Person")
    page = client.get(manage_path(event)).get_data(as_text=True)
    section = page.split('id="registrations"')[1]
    assert "1 registered, 1 on the waitlist" in section
    assert "seat@example.org" in section and "next@example.org" in section
    row = section.split("Seat Holder")[1].split("</tr>")[0]
    assert '<strong class="needs">ASL interpreter</strong>' in row
    assert "waitlist #1" in section.split("Next Person")[1].split("</tr>")[0]


def test_the_csv_lists_everyone_and_no_cell_runs_as_a_formula(client, hub_event):
    event = hub_event(capacity=1)
    sign_up(client, event, email="a@example.org", name='=HYPERLINK("http://x")', needs="@SUM(1)")
    sign_up(client, event, email="b@example.org", name="+Plain Name")
    response = client.get(f"{manage_path(event)}/registrations.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["email"], r["status"]) for r in rows] == [
        ("a@example.org", "confirmed"),
        ("b@example.org", "waitlisted"),
    ]
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["needs"] == "'@SUM(1)"
    assert rows[1]["name"] == "'+Plain Name"
    assert client.get("/manage/not-a-token/registrations.csv").status_code == 404


def test_removing_a_registrant_tells_them_and_promotes_the_next(client, hub_event, mailbox):
    event = hub_event(capacity=1)
    sign_up(client, event, email="seat@example.org")
    sign_up(client, event, email="next@example.org")
    seat = registrations(event.id)[0]
    response = client.post(f"{manage_path(event)}/registrations/{seat.id}/remove")
    assert response.status_code == 303
    assert [r.status for r in registrations(event.id)] == ["cancelled", "confirmed"]
    assert mailbox.to("seat@example.org")[-1]["Subject"].startswith(
        "Registration cancelled by the organizer"
    )
    assert mailbox.to("next@example.org")[-1]["Subject"].startswith("A place opened up")
    other = hub_event()
    assert client.post(f"{manage_path(other)}/registrations/{seat.id}/remove").status_code == 404


def test_a_message_reaches_everyone_registered_a_few_times_a_day(client, hub_event, mailbox):
    event = hub_event(capacity=1)
    sign_up(client, event, email="seat@example.org")
    sign_up(client, event, email="next@example.org")
    for n in range(4):
        client.post(
            f"{manage_path(event)}/registrations/message",
            data={"subject": f"Parking {n}", "body": "Use the side door."},
        )
    subjects = [m["Subject"] for m in mailbox.to("next@example.org")]
    assert [s for s in subjects if s.startswith("Parking")] == [
        f"Parking {n}: Film screening: Sold" for n in range(3)
    ]
    page = client.get(manage_path(event)).get_data(as_text=True)
    assert "you can write again tomorrow" in page


def test_attendees_never_appear_on_public_pages_the_api_or_feeds(client, hub_event):
    event = hub_event()
    sign_up(client, event, email="secret.person@example.org", name="Secret Person")
    pages = {
        "page": client.get(f"/events/{event.id}"),
        "list": client.get("/events"),
        "api": client.get("/api/v1/events"),
        "api item": client.get(f"/api/v1/events/{event.id}"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = response.get_data(as_text=True)
        assert event.title in text, name  # the event is there…
        assert "secret.person" not in text and "Secret Person" not in text, name  # …not them
    for path in ("/feeds/events.ics", f"/events/{event.id}.ics"):
        feed = client.get(path)
        assert feed.status_code == 200
        cal = icalendar_parse(feed.data)
        [item] = [v for v in cal.walk("VEVENT") if v["UID"] == event.uid]
        for value in item.values():
            assert "secret.person" not in str(value) and "Secret Person" not in str(value)
        assert "ATTENDEE" not in item
        assert "private-room" not in feed.get_data(as_text=True)  # the join link is private


def test_purge_deletes_attendees_after_the_retention_period_and_keeps_the_counts(
    mail_app, client, hub_event
):
    event = hub_event(capacity=1)
    sign_up(client, event, email="a@example.org")
    sign_up(client, event, email="b@example.org")
    assert purge() == 0  # the event has not even happened
    ended = event.series_ends_at or event.ends_at

    assert purge(now=ended + timedelta(days=29)) == 0
    assert purge(now=ended + timedelta(days=31)) == 2
    db.session.commit()
    assert registrations(event.id) == []
    [tally] = db.session.scalars(sa.select(RegistrationTally)).all()
    assert (tally.confirmed, tally.waitlisted) == (1, 1)
    assert counts(event.id)["confirmed"] == 1
    result = mail_app.test_cli_runner().invoke(args=["registrations", "purge"])
    assert result.exit_code == 0 and "0 registration(s) purged" in result.output
    assert now_utc() < ended + timedelta(days=31)  # the real clock: nothing else was due


def test_moderators_see_counts_and_a_chart_of_clicks_and_registrations_not_people(
    mail_app, client, hub_event, make_event, make_user
):
    from .conftest import admin_client_for

    event = hub_event(capacity=1)
    sign_up(client, event, email="one@example.org", name="Private Person")
    sign_up(client, event, email="two@example.org")
    linked = make_event(title="Linked out")
    for _ in range(3):
        client.get(f"/events/{linked.id}/register")
    admin = admin_client_for(mail_app, make_user)

    page = admin.get(f"/moderate/events/{event.id}").get_data(as_text=True)
    section = page.split('class="event-stats"')[1].split("</section>")[0]
    assert "1 registered through the hub, 1 on the waitlist" in section
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in section and 'role="img"' in section
    assert "one@example.org" not in section and "Private Person" not in section
    today = now_utc().date().isoformat()
    assert f'<th scope="row">{today}</th><td>0</td><td>2</td>' in section

    page = admin.get(f"/moderate/events/{linked.id}").get_data(as_text=True)
    section = page.split('class="event-stats"')[1].split("</section>")[0]
    assert "3 click(s) on the registration link" in section
    assert f'<th scope="row">{today}</th><td>3</td><td>0</td>' in section


def test_the_log_names_registrations_by_id_not_by_address(app, hub_event, caplog):
    import logging

    caplog.set_level(logging.INFO)
    for name, logger in logging.root.manager.loggerDict.items():
        if name.startswith("htpm_events") and isinstance(logger, logging.Logger):
            logger.disabled = False  # Alembic's fileConfig (the test databases) turns them off
    event = hub_event(capacity=1)
    client = app.test_client()
    sign_up(client, event, email="hidden.person@example.org", name="Hidden Person")
    sign_up(client, event, email="second.person@example.org")
    assert "Registration #" in caplog.text and "written to" in caplog.text  # it did log
    assert "hidden.person" not in caplog.text and "Hidden Person" not in caplog.text
    assert "second.person" not in caplog.text
