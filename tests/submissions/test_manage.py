"""The private manage link: status, the moderator's reason, edit (held for a published
event), flyer replacement, cancel."""

import sqlalchemy as sa

from htpm_events.events.models import EventRevision
from htpm_events.events.services import publish
from htpm_events.extensions import db
from htpm_events.moderation.models import AuditEntry
from htpm_events.registration.models import Registration

from ..builders import day_text, default_day
from .helpers import JPEG, PDF, events, field_error, flyer, form, send, submit


def actions(event) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.event_id == event.id)
            .order_by(AuditEntry.id)
        )
    )


def test_an_unknown_token_is_404(client):
    assert client.get("/manage/not-a-real-token").get_data(as_text=True)
    assert client.get("/manage/not-a-real-token").status_code == 404
    assert client.get("/manage/" + "x" * 300).status_code == 404
    assert client.get("/manage/nope/edit").status_code == 404
    assert client.post("/manage/nope/cancel", data={"confirm": "y"}).status_code == 404


def test_the_manage_page_says_where_the_event_stands(client):
    path = submit(client, title="Status check")
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert "Status: waiting for review" in page
    assert f"{day_text(default_day())}, 10:00–11:00 AM ET" in page
    assert "Edit the event" in page
    assert "See the public page" not in page
    assert "Registrations" not in page  # nothing to report yet
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"

    [event] = events()
    event.status = "changes-requested"
    event.moderation_reason = "Please add the registration deadline."
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Status: changes requested" in page
    assert "Please add the registration deadline." in page

    event.status = "rejected"
    event.moderation_reason = "Not related to human trafficking."
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Status: not accepted" in page
    assert "Not related to human trafficking." in page
    assert "Edit the event" not in page

    publish(event)
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Status: published" in page
    assert f'href="/events/{event.id}/status-check"' in page


def test_registrations_are_counted_once_there_are_some(client):
    path = submit(client, registration_mode="hub", registration_url="", capacity="30")
    [event] = events()
    for n, status in enumerate(("confirmed", "confirmed", "waitlisted", "cancelled")):
        db.session.add(
            Registration(
                event_id=event.id,
                occurrence=event.start_date,
                name=f"P{n}",
                email=f"p{n}@example.org",
                status=status,
                token_hash=f"{n:064d}",
            )
        )
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "2 registered, 1 on the waitlist · 30 places." in page


def test_the_edit_form_is_filled_in(client):
    data = form(title="Filled in", topics=["immigration"], languages=["en", "es"])
    data["flyer"] = flyer(PDF, "program.pdf")
    send(client, "/submit", data)
    from .helpers import manage_path

    path = manage_path(client.get("/submit/thanks").get_data(as_text=True))
    page = client.get(path + "/edit").get_data(as_text=True)
    assert 'value="Filled in"' in page
    assert 'value="en, es"' in page
    assert '<input checked id="topics-8" name="topics" type="checkbox" value="immigration">' in page
    assert f'value="{default_day().isoformat()}"' in page and 'value="10:00"' in page
    assert "Current flyer: <strong>program.pdf</strong>" in page


def test_editing_a_pending_event_changes_it_in_place(client):
    path = submit(client)
    data = form(title="New title", start_time="14:00", end_time="15:30")
    data["flyer"] = flyer(JPEG, "photo.jpg")
    response = send(client, path + "/edit", data)
    assert response.status_code == 303
    [event] = events()
    assert (event.title, event.status, event.start_time.hour) == ("New title", "pending", 14)
    assert event.flyer.content_type == "image/jpeg"
    assert "Your changes are saved" in client.get(path).get_data(as_text=True)
    assert actions(event) == ["submit", "edit"]

    assert client.post(path + "/edit", data={**form(), "remove_flyer": "y"}).status_code == 303
    assert events()[0].flyer is None


def test_an_edit_with_a_mistake_comes_back_with_the_message(client):
    path = submit(client)
    response = client.post(path + "/edit", data=form(title="Kept", end_date="2027-01-01"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "before the start date" in field_error(page, "end_date")
    assert 'value="Kept"' in page
    assert events()[0].title == "Recognizing Labor Trafficking"


def test_answering_a_request_for_changes_sends_it_back_to_the_queue(client):
    path = submit(client)
    [event] = events()
    event.status = "changes-requested"
    event.moderation_reason = "Add captions."
    db.session.commit()
    assert "They asked: “Add captions.”" in client.get(path + "/edit").get_data(as_text=True)
    client.post(path + "/edit", data=form(accessibility=["captions", "asl"]))
    [event] = events()
    assert event.status == "pending"
    assert event.accessibility == ["captions", "asl"]


def test_an_edit_to_a_published_event_is_held_while_the_published_version_stays(client):
    path = submit(client, title="Published title")
    [event] = events()
    publish(event)
    db.session.commit()
    assert "Your changes will be checked by a moderator first" in client.get(
        path + "/edit"
    ).get_data(as_text=True)

    data = form(title="Changed title", description="Now with *more* detail")
    data["flyer"] = flyer(PDF, "new.pdf")
    response = send(client, path + "/edit", data)
    assert response.status_code == 303
    [event] = events()
    assert event.title == "Published title"
    assert event.status == "approved"
    assert event.flyer is None

    [revision] = db.session.scalars(sa.select(EventRevision)).all()
    assert (revision.status, revision.source) == ("pending", "form")
    assert revision.data["title"] == "Changed title"
    assert revision.data["start_date"] == default_day().isoformat()
    assert revision.data["flyer_upload"]["filename"] == "new.pdf"
    manage = client.get(path).get_data(as_text=True)
    assert "A change is waiting for review." in manage
    assert "Your change is waiting for review." in manage  # the flash after saving
    public = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Published title" in public and "Changed title" not in public

    # The edit form now starts from the waiting change; a second edit replaces it, and
    # the waiting new flyer stays in it.
    page = client.get(path + "/edit").get_data(as_text=True)
    assert 'value="Changed title"' in page
    assert "It includes a new flyer, new.pdf" in page
    client.post(path + "/edit", data=form(title="Changed again"))
    db.session.expire_all()
    [revision] = db.session.scalars(sa.select(EventRevision)).all()
    assert revision.data["title"] == "Changed again"
    assert revision.data["flyer_upload"]["filename"] == "new.pdf"
    assert actions(event) == ["submit", "edit", "edit"]


def test_cancel_needs_the_confirmation(client):
    path = submit(client)
    response = client.post(path + "/cancel", data={})
    assert response.status_code == 400
    assert "Tick the box" in field_error(response.get_data(as_text=True), "confirm")
    assert events()[0].status == "pending"
    assert client.get(path + "/cancel").status_code == 405


def test_cancelling_a_published_event(client):
    path = submit(client)
    [event] = events()
    publish(event)
    db.session.commit()
    sequence = event.sequence
    client.post(path + "/edit", data=form(title="Waiting change"))

    response = client.post(path + "/cancel", data={"confirm": "y"})
    assert response.status_code == 303
    [event] = events()
    assert event.status == "cancelled" and event.cancelled_at is not None
    assert event.sequence == sequence + 1
    assert actions(event)[-1] == "cancel"
    assert db.session.scalar(sa.select(EventRevision.status)) == "rejected"
    page = client.get(path).get_data(as_text=True)
    assert "Status: cancelled" in page
    assert "Edit the event" not in page and "Cancel this event" not in page
    public = client.get(f"/events/{event.id}")
    assert public.status_code == 200
    assert "This event has been cancelled." in public.get_data(as_text=True)


def test_a_cancelled_event_cannot_be_edited(client):
    path = submit(client)
    client.post(path + "/cancel", data={"confirm": "y"})
    response = client.get(path + "/edit")
    assert response.status_code == 303
    assert "cannot be edited" in client.get(path).get_data(as_text=True)
    client.post(path + "/edit", data=form(title="Sneaky"))
    assert events()[0].title == "Recognizing Labor Trafficking"
    assert events()[0].status == "cancelled"
    again = client.post(path + "/cancel", data={"confirm": "y"})
    assert again.status_code == 303
