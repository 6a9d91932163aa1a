"""Each moderator reads the hub's notices in the language stored with their account."""

from __future__ import annotations

import email

import sqlalchemy as sa

from htpm_events.extensions import db
from htpm_events.outbox.models import OutboxMessage
from htpm_events.submissions import notices


def body_of(message: OutboxMessage) -> str:
    parsed = email.message_from_bytes(message.content)
    part = next(p for p in parsed.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def test_a_new_submission_notice_goes_out_in_each_moderators_language(app, make_user, make_event):
    make_user("ana@example.org").locale = "es"
    make_user("bob@example.org")  # no language stored: English
    db.session.commit()
    event = make_event(status="pending", title="Vigilia de enero")

    notices.to_moderators(event, "new")
    db.session.commit()

    sent = {m.recipients: m for m in db.session.scalars(sa.select(OutboxMessage))}
    # (the test configuration's MODERATOR_EMAILS address has no account: English)
    spanish, english = sent["ana@example.org"], sent["bob@example.org, moderators@example.org"]
    assert spanish.subject.endswith(": Vigilia de enero") and "New event" not in spanish.subject
    assert english.subject == "New event to review: Vigilia de enero"
    assert "A new event was submitted" in body_of(english)
    assert "A new event was submitted" not in body_of(spanish)
