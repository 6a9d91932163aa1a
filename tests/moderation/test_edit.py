"""A moderator edits any event with the submission form."""

import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.events.services import form_data
from htpm_events.extensions import db
from htpm_events.moderation.models import AuditEntry


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
    assert 'name="csrf_token"' in page or "csrf_token" in page


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
