"""E-mail through a real SMTP server on loopback: the contact's manage link, the moderators'
notice, and the confirmation that lets trusted submitters skip the queue."""

import re

import sqlalchemy as sa

from htpm_events.events.models import Organization
from htpm_events.events.services import publish
from htpm_events.extensions import db
from htpm_events.moderation.models import AuditEntry, TrustedDomain

from ..builders import day_text, default_day
from .helpers import events, form, submit


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(text: str) -> str:
    return re.search(r"http://localhost(/manage/\S+)", text).group(1)


def test_the_contact_gets_the_manage_link_and_a_summary(mail_app, mailbox):
    client = mail_app.test_client()
    path = submit(client, title="Mail me", contact_email="coordinator@county.example")
    [message] = mailbox.to("coordinator@county.example")
    assert message["Subject"] == "Your event: Mail me"
    text = body(message)
    assert "http://localhost" + path + "?confirm=" in text
    assert f"{day_text(default_day())}, 10:00–11:00 AM ET" in text
    assert "Kentucky Coalition Against Trafficking" in text
    assert "Status: waiting for review" in text
    assert "do not share it" in text


def test_the_moderators_are_told_of_a_new_submission(mail_app, mailbox, make_user):
    make_user(email="mod@example.org")
    make_user(email="admin@example.org", role="admin")
    make_user(email="gone@example.org", active=False)
    client = mail_app.test_client()
    submit(client, title="Review me")
    [event] = events()
    [notice] = [m for m in mailbox.messages if m["Subject"].startswith("New event to review")]
    assert notice["Subject"] == "New event to review: Review me"
    assert sorted(notice.envelope_to) == [
        "admin@example.org",
        "mod@example.org",
        "moderators@example.org",  # MODERATOR_EMAILS
    ]
    text = body(notice)
    assert f"http://localhost/moderate/events/{event.id}" in text
    assert "dana@example.org" in text


def test_a_held_change_is_announced_to_the_moderators(mail_app, mailbox):
    client = mail_app.test_client()
    path = submit(client)
    [event] = events()
    publish(event)
    db.session.commit()
    client.post(path + "/edit", data=form(title="Changed"))
    subjects = [m["Subject"] for m in mailbox.to("moderators@example.org")]
    assert subjects[-1] == "Change to a published event, to review: Recognizing Labor Trafficking"


def test_the_emailed_link_confirms_the_address(mail_app, mailbox):
    client = mail_app.test_client()
    path = submit(client)
    assert client.get(path).status_code == 200
    assert events()[0].contact_confirmed_at is None  # the thank-you page's link is not proof

    emailed = link_in(body(mailbox.to("dana@example.org")[0]))
    response = client.get(emailed)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(path)  # the key leaves the address bar
    [event] = events()
    assert event.contact_confirmed_at is not None
    assert event.status == "pending"  # an untrusted contact still waits for review

    forged = client.get(path + "?confirm=AAAAAAAAAAAAAAAAAAAAAAAA")
    assert forged.status_code == 303


def test_a_confirmed_contact_at_a_trusted_domain_is_published(mail_app, mailbox):
    db.session.add(TrustedDomain(domain="agency.state.gov"))
    db.session.commit()
    client = mail_app.test_client()
    submit(client, contact_email="lee@agency.state.gov")
    assert events()[0].status == "pending"  # not before the address is confirmed

    page = client.get(link_in(body(mailbox.to("lee@agency.state.gov")[0])), follow_redirects=True)
    assert "your event is published" in page.get_data(as_text=True)
    [event] = events()
    assert event.status == "approved" and event.published is not None
    assert client.get(f"/events/{event.id}").status_code == 200
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "auto-publish"))
    assert entry.event_id == event.id


def test_a_trusted_organization_needs_a_contact_its_moderators_know(mail_app, mailbox, make_event):
    known = make_event(organization="Blue Campaign", contact_email="team@dhs.example.gov")
    known.organization.trusted = True
    db.session.commit()
    client = mail_app.test_client()

    submit(client, organization="Blue Campaign", contact_email="ana@dhs.example.gov")
    submit(client, organization="Blue Campaign", contact_email="impostor@elsewhere.example")
    for address in ("ana@dhs.example.gov", "impostor@elsewhere.example"):
        client.get(link_in(body(mailbox.to(address)[0])))
    _, colleague, impostor = events()
    assert colleague.status == "approved"
    assert impostor.status == "pending"
    assert db.session.scalar(
        sa.select(Organization.trusted).where(Organization.name == "Blue Campaign")
    )


def test_a_cancellation_is_confirmed_by_mail(mail_app, mailbox):
    client = mail_app.test_client()
    path = submit(client, title="Cancel me")
    client.post(path + "/cancel", data={"confirm": "y"})
    [message] = [m for m in mailbox.to("dana@example.org") if m["Subject"].startswith("Cancel")]
    assert message["Subject"] == "Cancelled: Cancel me"
    assert "someone else may have your manage link" in body(message)


def test_a_trusted_contact_changes_a_published_event_at_once(mail_app, mailbox):
    db.session.add(TrustedDomain(domain="county.example.gov"))
    db.session.commit()
    client = mail_app.test_client()
    path = submit(client, contact_email="kim@county.example.gov")
    client.get(link_in(body(mailbox.to("kim@county.example.gov")[0])))
    [event] = events()
    assert event.status == "approved"
    sequence = event.sequence

    client.post(
        path + "/edit", data=form(title="Moved online", contact_email="kim@county.example.gov")
    )
    [event] = events()
    assert (event.title, event.status, event.sequence) == ("Moved online", "approved", sequence + 1)
    assert "Your changes are saved and published." in client.get(path).get_data(as_text=True)

    # A new contact address is not confirmed yet, so that change waits for a moderator.
    client.post(path + "/edit", data=form(title="New hands", contact_email="x@elsewhere.example"))
    [event] = events()
    assert event.title == "Moved online"
    assert event.revisions[-1].data["contact_email"] == "x@elsewhere.example"


def test_a_new_contact_address_gets_the_manage_link(mail_app, mailbox):
    client = mail_app.test_client()
    path = submit(client)
    client.get(link_in(body(mailbox.to("dana@example.org")[0])))
    assert events()[0].contact_confirmed_at is not None

    client.post(path + "/edit", data=form(contact_email="robin@example.org"))
    [event] = events()
    assert event.contact_email == "robin@example.org"
    assert event.contact_confirmed_at is None
    [message] = mailbox.to("robin@example.org")
    text = body(message)
    assert "This address is now the contact" in text
    assert link_in(text).startswith(path + "?confirm=")
