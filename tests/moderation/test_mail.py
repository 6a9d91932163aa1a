"""Every decision e-mails the submitter through a real SMTP server on loopback."""

import re

import pytest

from htpm_events.events.models import Event
from htpm_events.events.services import manage_token
from htpm_events.extensions import db

from .conftest import PASSWORD, log_in


@pytest.fixture
def mail_client(mail_app, make_user):
    user = make_user("mod@example.org", PASSWORD)
    client = mail_app.test_client()
    log_in(client, user.email)
    return client


def manage_links(message) -> list[str]:
    return re.findall(r"http://localhost/manage/([A-Za-z0-9_\-]+)", message.get_content())


@pytest.mark.parametrize(
    ("decision", "reason", "subject", "words"),
    [
        ("approve", "", "Approved", "now on the HTPM Events Hub calendar"),
        ("reject", "Not an HTPM event.", "Not accepted", "Not an HTPM event."),
        ("request-changes", "Add the venue's address.", "Changes requested", "Add the venue's"),
    ],
)
def test_each_decision_mails_the_contact_with_the_reason_and_the_manage_link(
    mail_client, mailbox, make_event, decision, reason, subject, words
):
    event = make_event(status="pending", title="Webinar on Labor Trafficking")
    event_id = event.id

    response = mail_client.post(
        f"/moderate/events/{event_id}/decision", data={"decision": decision, "reason": reason}
    )

    assert response.status_code == 302
    [message] = mailbox.to("dana@example.org")
    assert message["Subject"] == f"{subject}: Webinar on Labor Trafficking"
    body = message.get_content()
    assert words in body
    event = db.session.get(Event, event_id)
    assert manage_links(message) == [manage_token(event)]


def test_the_mailed_manage_link_opens_the_submitters_page(
    mail_client, mailbox, make_event, mail_app
):
    event = make_event(status="pending", title="Film Screening")
    mail_client.post(
        f"/moderate/events/{event.id}/decision",
        data={"decision": "request-changes", "reason": "Which room?"},
    )
    [token] = manage_links(mailbox.to("dana@example.org")[0])

    page = mail_app.test_client().get(f"/manage/{token}")

    assert page.status_code == 200
    assert "Which room?" in page.get_data(as_text=True)


def test_a_rejected_held_change_is_mailed_and_says_the_published_version_stays(
    mail_client, mailbox, make_event, hold_change
):
    event = make_event(status="approved", title="Published Panel")
    hold_change(event, title="Published Panel (moved)")

    mail_client.post(
        f"/moderate/events/{event.id}/decision",
        data={"decision": "reject", "reason": "The new date clashes."},
    )

    [message] = mailbox.to("dana@example.org")
    body = message.get_content()
    assert "published version stays as it was" in body
    assert "The new date clashes." in body


def test_bulk_decisions_mail_every_contact(mail_client, mailbox, make_event):
    first = make_event(status="pending", title="One", contact_email="one@example.org")
    second = make_event(status="pending", title="Two", contact_email="two@example.org")

    mail_client.post("/moderate/bulk", data={"items": [first.id, second.id], "decision": "approve"})

    assert len(mailbox.to("one@example.org")) == 1
    assert len(mailbox.to("two@example.org")) == 1


def test_a_refused_decision_sends_no_mail(mail_client, mailbox, make_event):
    event = make_event(status="pending")
    mail_client.post(f"/moderate/events/{event.id}/decision", data={"decision": "reject"})
    assert mailbox.messages == []


@pytest.mark.parametrize(
    "reply_to", [None, "HTPM moderators <moderators@example.org>"], ids=["unset", "set"]
)
def test_decision_mails_invite_replies_only_where_replies_reach_the_moderators(
    make_app, mailbox, make_event, make_user, reply_to
):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port, MAIL_REPLY_TO=reply_to)
    event = make_event(status="pending", title="Pathways webinar")
    make_user("replies@example.org", PASSWORD)
    client = app.test_client()
    log_in(client, "replies@example.org")
    response = client.post(
        f"/moderate/events/{event.id}/decision",
        data={"decision": "reject", "reason": "Not an HTPM event."},
    )
    assert response.status_code == 302
    [message] = mailbox.to("dana@example.org")
    body = message.get_content()
    assert "1-888-373-7888" in body  # the footer is there either way
    assert message["From"] == "HTPM Events Hub <no-reply@localhost>"
    if reply_to:
        assert message["Reply-To"] == reply_to
        assert "Reply to this message" in body
    else:
        assert message["Reply-To"] is None
        assert "reply" not in body.lower()
