"""A moderator edits any event with the submission form."""

import re

import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.events.services import form_data
from htpm_events.extensions import db
from htpm_events.moderation.models import AuditEntry

from .conftest import PASSWORD


def posted(event: Event, **changes) -> dict:
    """The edit form as a browser would post it, with some fields changed."""
    data = {}
    for key, value in {**form_data(event), **changes}.items():
        if value is None or value is False:
            continue
        if value is True:
            value = "y"
        elif hasattr(value, "strftime") and hasattr(value, "hour") and hasattr(value, "day"):
            value = value.strftime("%Y-%m-%dT%H:%M")
        elif hasattr(value, "isoformat"):
            value = value.isoformat() if not hasattr(value, "hour") else value.strftime("%H:%M")
        data[key] = value
    return data


def test_the_edit_page_is_the_submission_form_filled_in(mod_client, make_event):
    event = make_event(status="pending", title="Editable Event")
    page = mod_client.get(f"/moderate/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="Editable Event"' in page
    assert 'enctype="multipart/form-data"' in page


def csrf_in(html: str, form_start: str) -> str:
    """The CSRF token inside the form whose tag contains ``form_start`` (not the logout
    form's, which every page has)."""
    form = re.search(rf"<form[^>]*{re.escape(form_start)}[^>]*>(.*?)</form>", html, re.S)
    assert form, f"no form with {form_start}"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.group(1))
    assert token, "the form carries no CSRF token"
    return token.group(1)


def test_the_edit_form_carries_its_csrf_token_and_needs_it(make_app, make_event, moderator):
    guarded = make_app(WTF_CSRF_ENABLED=True)
    event = make_event(status="pending", title="Editable Event")
    client = guarded.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = csrf_in(login, 'method="post"')
    signed_in = client.post(
        "/login", data={"email": moderator.email, "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302
    page = client.get(f"/moderate/events/{event.id}/edit").get_data(as_text=True)
    token = csrf_in(page, 'enctype="multipart/form-data"')
    data = posted(event, title="Edited With Token")
    assert client.post(f"/moderate/events/{event.id}/edit", data=data).status_code == 400
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Editable Event"
    sent = client.post(f"/moderate/events/{event.id}/edit", data={**data, "csrf_token": token})
    assert sent.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Edited With Token"


def test_editing_a_published_event_applies_at_once_and_is_audited(mod_client, client, make_event):
    event = make_event(status="approved", title="Typo Trainng")
    event_id = event.id

    response = mod_client.post(
        f"/moderate/events/{event_id}/edit",
        data=posted(event, title="Typo Training", cost="$5"),
    )

    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    assert event.title == "Typo Training" and event.cost == "$5"
    assert event.sequence == 1
    assert "Typo Training" in client.get(f"/events/{event_id}").get_data(as_text=True)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.event_id == event_id))
    assert entry.action == "edit" and entry.details == {"fields": ["title", "cost"]}


def test_an_invalid_edit_says_what_is_wrong_and_changes_nothing(mod_client, make_event):
    event = make_event(status="approved", title="Stays The Same")

    response = mod_client.post(
        f"/moderate/events/{event.id}/edit", data=posted(event, title="", end_time="09:00")
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a title." in page
    assert "The end time is before the start time." in page
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Stays The Same"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_a_moderators_new_description_is_what_feed_subscribers_see(mod_client, client, make_event):
    event = make_event(status="approved", description="Meet at **noon**.")
    event_id = event.id
    before = client.get("/feeds/events.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "DESCRIPTION:Meet at noon.\\n\\n" in before

    response = mod_client.post(
        f"/moderate/events/{event_id}/edit",
        data=posted(event, description="Meet at *one o'clock*, room 2."),
    )

    assert response.status_code == 302
    after = client.get("/feeds/events.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "DESCRIPTION:Meet at one o'clock\\, room 2.\\n\\n" in after
    assert "noon" not in after
    db.session.expire_all()
    assert db.session.get(Event, event_id).description_text == "Meet at one o'clock, room 2."
