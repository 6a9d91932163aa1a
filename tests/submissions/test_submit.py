"""Submitting: preview, the saved pending event, the thank-you page, the honeypot, the rate
limit, organization suggestions, the flyer download, the six demo events."""

import csv
import re
from datetime import date, time
from importlib.resources import files

import pytest
import sqlalchemy as sa

from htpm_events.events.models import EventRevision
from htpm_events.events.services import hash_token, publish
from htpm_events.extensions import db, limiter
from htpm_events.moderation.models import AuditEntry

from ..builders import day_text, default_day
from .helpers import PDF, PNG, events, field_error, flyer, form, manage_path, send


def test_a_submission_is_saved_pending_with_a_hashed_manage_token(client):
    data = form(topics=["labor-exploitation", "awareness"], accessibility=["asl"])
    data["flyer"] = flyer(PDF, "Our flyer.pdf")
    response = send(client, "/submit", data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/submit/thanks")

    [event] = events()
    assert (event.status, event.source) == ("pending", "form")
    assert event.title == "Recognizing Labor Trafficking"
    assert event.topics == ["labor-exploitation", "awareness"]
    assert event.accessibility == ["asl"]
    assert event.start_time == time(10) and event.timezone == "America/New_York"
    assert event.flyer.filename == "Our_flyer.pdf"
    assert event.flyer.content_type == "application/pdf"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.event_id == event.id))
    assert (entry.actor, entry.action) == ("submitter", "submit")

    thanks = client.get("/submit/thanks")
    page = thanks.get_data(as_text=True)
    path = manage_path(page)
    token = path.rsplit("/", 1)[1]
    assert event.manage_token_hash == hash_token(token)
    assert token not in (event.manage_token_hash or "")
    assert "http://localhost" + path in page  # the full link, to copy
    assert "dana@example.org" in page
    assert thanks.headers["Cache-Control"] == "no-store"

    # Shown once: the thank-you page does not show it again.
    again = client.get("/submit/thanks").get_data(as_text=True)
    assert "/manage/" not in again
    assert client.get(path).status_code == 200


def test_a_pending_event_is_invisible_to_the_public(client):
    data = form()
    data["flyer"] = flyer(PNG, "poster.png")
    send(client, "/submit", data)
    [event] = events()
    assert client.get(f"/events/{event.id}").status_code == 404
    assert client.get(f"/events/{event.id}/flyer").status_code == 404

    publish(event)
    db.session.commit()
    assert client.get(f"/events/{event.id}").status_code == 200
    response = client.get(f"/events/{event.id}/flyer")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == PNG
    assert response.headers["Content-Disposition"] == (
        "inline; filename=recognizing-labor-trafficking-flyer.png"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/events/999999/flyer").status_code == 404


def test_preview_shows_the_listing_and_saves_nothing(client):
    data = form(title="Preview Me", timezone="America/Chicago", state="TX")
    response = send(client, "/submit", {**data, "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview: this is how your listing will look" in page
    assert f"{day_text(default_day())}, 10:00–11:00 AM CT" in page
    assert "already over" not in page
    assert 'value="Preview Me"' in page  # the form is still filled in
    assert ">Submit event</button>" in page
    assert events() == []


def test_preview_of_a_past_event_says_it_is_over(client):
    data = form(start_date="2025-01-14", end_date="2025-01-14")
    page = send(client, "/submit", {**data, "preview": "1"}).get_data(as_text=True)
    assert "This event is already over." in page
    assert send(client, "/submit", data).status_code == 303  # past dates are accepted


def test_preview_of_an_all_day_event(client):
    last = default_day().replace(day=31)
    data = form(all_day=True, start_time="", end_time="", end_date=last.isoformat())
    page = send(client, "/submit", {**data, "preview": "1"}).get_data(as_text=True)
    assert f"{day_text(default_day())} – {day_text(last)}, all day" in page


def test_a_flyer_chosen_before_the_preview_is_asked_for_again(client):
    data = form()
    data["flyer"] = flyer(PDF, "flyer.pdf")
    page = send(client, "/submit", {**data, "preview": "1"}).get_data(as_text=True)
    assert "choose it again" in page
    assert 'name="flyer_previewed" type="hidden" value="flyer.pdf"' in page

    # Submitting without choosing it again does not drop it silently...
    response = client.post("/submit", data={**form(), "flyer_previewed": "flyer.pdf"})
    assert response.status_code == 400
    assert "Choose flyer.pdf again" in field_error(response.get_data(as_text=True), "flyer")
    assert events() == []
    # ...choosing it again saves it...
    again = {**form(), "flyer_previewed": "flyer.pdf", "flyer": flyer(PDF, "flyer.pdf")}
    assert send(client, "/submit", again).status_code == 303
    assert events()[0].flyer.data == PDF
    # ...and sending the form once more as it is goes on without it.
    assert client.post("/submit", data=form()).status_code == 303
    assert events()[1].flyer is None


def test_a_weekly_recurring_event_stores_its_rrule(client):
    data = form(
        title="Weekly survivor circle",
        timezone="America/Chicago",
        start_date="2027-01-05",
        start_time="18:00",
        end_date="2027-01-05",
        end_time="19:30",
        recurrence="weekly",
        recurrence_until="2027-01-26",
    )
    assert send(client, "/submit", data).status_code == 303
    [event] = events()
    # The last start (Jan 26, 18:00 CST) in UTC, as RFC 5545 wants with a TZID'd DTSTART.
    assert event.rrule == "FREQ=WEEKLY;UNTIL=20270127T000000Z"
    assert event.recurrence_until == date(2027, 1, 26)

    counted = form(recurrence="weekly", recurrence_count="4")
    assert client.post("/submit", data=counted).status_code == 303
    assert events()[1].rrule == "FREQ=WEEKLY;COUNT=4"


def test_the_honeypot_answers_like_success_and_saves_nothing(client):
    response = client.post("/submit", data={**form(), "website": "http://spam.example"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/submit/thanks")
    assert events() == []
    assert "/manage/" not in client.get("/submit/thanks").get_data(as_text=True)


def test_the_honeypot_is_hidden_from_people(client):
    page = client.get("/submit").get_data(as_text=True)
    assert '<label for="website">Leave this empty</label>' in page
    field = re.search(r'<input[^>]*id="website"[^>]*>', page).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    assert '<div class="honeypot">' in page


@pytest.fixture
def limited_client(make_app):
    app = make_app(HTPM_RATELIMITS="on")
    limiter.reset()
    with app.app_context():
        yield app.test_client()
    limiter.reset()


def test_twenty_submissions_an_hour_from_one_address(limited_client):
    for n in range(20):
        assert limited_client.post("/submit", data=form(title=f"Event {n}")).status_code == 303
    refused = limited_client.post("/submit", data=form(title="One too many"))
    assert refused.status_code == 429
    assert "20 events in the last hour" in refused.get_data(as_text=True)
    assert len(events()) == 20
    assert limited_client.get("/submit").status_code == 200  # reading the form is not limited


def test_previews_and_mistakes_do_not_use_up_the_submission_limit(limited_client):
    for _ in range(25):
        limited_client.post("/submit", data={**form(), "preview": "1"})
        limited_client.post("/submit", data=form(title=""))
    assert limited_client.post("/submit", data=form()).status_code == 303


def test_organization_suggestions_list_published_organizations_only(client, make_event):
    make_event(organization="Published Coalition")
    make_event(status="pending", organization="Unreviewed Spam LLC")
    page = client.get("/submit").get_data(as_text=True)
    assert 'list="organization-list"' in page
    assert '<option value="Published Coalition">' in page
    assert "Unreviewed Spam LLC" not in page


def test_one_organization_however_it_is_typed(client, make_event):
    make_event(organization="Kentucky Coalition Against Trafficking")
    client.post("/submit", data=form(organization="kentucky coalition against trafficking."))
    first, second = events()
    assert second.organization_id == first.organization_id


def test_the_six_demo_events_can_be_submitted_through_the_form(client):
    path = files("htpm_events") / "data" / "htpm-2026-sample.csv"
    with path.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 6
    for row in rows:
        data = dict(row)  # every field, the empty ones too, as a browser sends them
        for multi in ("topics", "audiences", "accessibility"):
            data[multi] = [value for value in data[multi].split("|") if value]
        data["all_day"] = "y" if data["all_day"] else ""
        response = send(client, "/submit", data)
        assert response.status_code == 303, (row["title"], response.get_data(as_text=True))
        manage = manage_path(client.get("/submit/thanks").get_data(as_text=True))
        assert row["title"] in client.get(manage).get_data(as_text=True).replace("&#34;", '"')
    saved = events()
    assert [e.title for e in saved] == [r["title"] for r in rows]
    assert all(e.status == "pending" for e in saved)
    exhibit = saved[2]
    assert (exhibit.all_day, exhibit.start_date, exhibit.end_date) == (
        True,
        date(2026, 1, 7),
        date(2026, 1, 31),
    )
    assert saved[1].format == "on-demand" and saved[1].end_date is None
    assert db.session.scalar(sa.select(sa.func.count(EventRevision.id))) == 0


def test_the_how_to_page(client):
    page = client.get("/submit/how").get_data(as_text=True)
    assert "usually within two working days in January" in page
    assert "text-based PDF" in page
    assert "alternative text" in page and "contrast" in page and "plain language" in page
    assert "manage link" in page
    assert 'href="/submit/how"' in client.get("/submit").get_data(as_text=True)
