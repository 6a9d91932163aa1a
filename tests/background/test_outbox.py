"""The outbox in one process: a message exists only if its transaction commits, delivery marks
it sent or failed with the server's answer, temporary failures back off and give up after
two days, and a claim is held by one worker at a time."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from htpm_events.extensions import db
from htpm_events.mail import queue_mail
from htpm_events.outbox.models import FAILED, PENDING, SENT, OutboxMessage
from htpm_events.outbox.services import backoff, claim, deliver_due, release, retry
from htpm_events.timeutil import now_utc

from ..submissions.helpers import form


def messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.fixture
def smtp_app(queue_app, smtp):
    """Mail to the test's SMTP server; the queue is real but no worker runs: the test
    delivers by hand, as `flask mail deliver` does."""
    app = queue_app()
    with app.app_context():
        yield app


def test_a_message_exists_only_if_its_transaction_commits(smtp_app):
    queue_mail("a@example.org", "Rolled back", "Never sent.")
    db.session.rollback()
    assert messages() == []

    queue_mail("b@example.org", "Committed", "Sent later.")
    db.session.commit()
    [message] = messages()
    assert (message.status, message.recipients, message.subject) == (
        PENDING,
        "b@example.org",
        "Committed",
    )


def test_with_the_mail_server_down_a_submission_is_saved_and_its_mail_waits(smtp_app, smtp):
    client = smtp_app.test_client()
    response = client.post("/submit", data=form(contact_email="coordinator@county.example"))
    assert response.status_code == 303  # the page answers: nothing talked to SMTP
    deliver_due()  # a worker's attempt while the server is down
    pending = [m for m in messages() if m.recipients == "coordinator@county.example"]
    assert [m.status for m in pending] == [PENDING]
    assert pending[0].attempts == 1
    assert "ConnectionRefusedError" in pending[0].last_error
    assert pending[0].next_attempt_at > now_utc()

    smtp.start()
    time.sleep(0.6)  # HTPM_MAIL_RETRY_SECONDS=0.5 in these tests
    deliver_due()
    deliver_due()
    [message] = smtp.to("coordinator@county.example")
    assert message["Subject"].startswith("Your event: ")
    assert "/manage/" in message.get_body(("plain",)).get_content()
    assert [m.status for m in messages()] == [SENT, SENT]  # the receipt and the moderators'


def test_a_refused_recipient_fails_that_message_and_the_others_are_delivered(smtp_app, smtp):
    smtp.start()
    smtp.refuse.add("nobody@county.example")
    for to in ("first@example.org", "nobody@county.example", "third@example.org"):
        queue_mail(to, f"To {to}", "Hello.")
    db.session.commit()
    result = deliver_due()
    assert (result.sent, result.failed) == (2, 1)
    assert sorted(m.envelope_to[0] for m in smtp.messages) == [
        "first@example.org",
        "third@example.org",
    ]
    failed = [m for m in messages() if m.status == FAILED]
    assert [m.recipients for m in failed] == ["nobody@county.example"]
    assert "550" in failed[0].last_error and "No such mailbox" in failed[0].last_error
    deliver_due()  # not retried
    assert len(smtp.messages) == 2


def test_a_message_with_one_refused_recipient_of_two_is_sent_and_says_so(smtp_app, smtp):
    smtp.start()
    smtp.refuse.add("gone@example.org")
    queue_mail(["mod@example.org", "gone@example.org"], "New event to review", "Hello.")
    db.session.commit()
    deliver_due()
    [message] = messages()
    assert message.status == SENT
    assert "gone@example.org refused: 550" in message.last_error
    assert [m.envelope_to for m in smtp.messages] == [["mod@example.org"]]


def test_a_temporary_refusal_backs_off_then_gives_up_after_two_days(smtp_app, smtp):
    smtp.start()
    smtp.defer.add("busy@example.org")
    queue_mail("busy@example.org", "Later", "Hello.")
    db.session.commit()
    deliver_due()
    [message] = messages()
    assert (message.status, message.attempts) == (PENDING, 1)
    assert "450" in message.last_error
    first_wait = message.next_attempt_at - now_utc()
    assert timedelta(seconds=0.2) < first_wait <= timedelta(seconds=0.5)

    message.next_attempt_at = now_utc()
    message.give_up_at = now_utc() - timedelta(seconds=1)  # two days have passed
    db.session.commit()
    deliver_due()
    [message] = messages()
    assert message.status == FAILED
    assert message.last_error.startswith("Gave up after 2 days: busy@example.org refused: 450")


def test_backoff_doubles_from_one_minute_up_to_six_hours(make_app):
    app = make_app(HTPM_MAIL_RETRY_SECONDS=60)
    with app.app_context():
        waits = [backoff(n).total_seconds() / 60 for n in range(1, 12)]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]


def test_a_claim_is_held_by_one_worker_until_it_expires(make_app):
    app = make_app(HTPM_MAIL_LEASE_SECONDS=0.3, HTPM_QUEUE="")  # no worker runs
    with app.app_context():
        queue_mail("one@example.org", "Only one", "Hello.")
        db.session.commit()
        token, [claimed] = claim()
        assert claim()[1] == []  # the other worker finds nothing to do
        time.sleep(0.4)  # the first worker died: its claim expires
        again, [reclaimed] = claim()
        assert reclaimed.id == claimed.id and again != token
        [message] = messages()
        assert message.attempts == 2


def test_without_a_mail_server_messages_become_files_in_the_instance_folder(app, tmp_path):
    queue_mail("someone@example.org", "To a file", "Hello.")
    db.session.commit()  # the test queue runs the delivery job at once
    [message] = messages()
    assert message.status == SENT
    [path] = (tmp_path / "instance" / "mail").glob("*.eml")
    assert b"Subject: To a file" in path.read_bytes()


def test_an_admin_retry_sends_a_failed_message_again_with_a_new_window(smtp_app, smtp):
    smtp.start()
    smtp.refuse.add("later@example.org")
    queue_mail("later@example.org", "Retry me", "Hello.")
    db.session.commit()
    deliver_due()
    [message] = messages()
    assert message.status == FAILED
    smtp.refuse.clear()  # the address was fixed at the other end
    retry(message)
    db.session.commit()
    assert message.give_up_at > now_utc() + timedelta(days=1)
    deliver_due()
    assert [m.status for m in messages()] == [SENT]
    assert len(smtp.to("later@example.org")) == 1


def test_web_requests_work_while_redis_is_away(queue_app, smtp):
    from ..pg import free_port

    app = queue_app(redis_url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    with app.app_context():
        client = app.test_client()
        response = client.post("/submit", data=form(contact_email="patient@example.org"))
        assert response.status_code == 303
        assert client.get("/events").status_code == 200
        waiting = [m for m in messages() if m.recipients == "patient@example.org"]
        assert [m.status for m in waiting] == [PENDING]  # the periodic sweep sends it later


def test_two_claims_never_share_a_message_and_a_released_claim_counts_no_attempt(make_app):
    app = make_app(HTPM_QUEUE="")  # no worker runs
    with app.app_context():
        for n in range(15):
            queue_mail(f"p{n}@example.org", f"Message {n}", "Hello.")
        db.session.commit()
        first, batch = claim()
        second, rest = claim()
        assert len(batch) == 10 and len(rest) == 5
        assert {m.id for m in batch}.isdisjoint(m.id for m in rest)
        assert claim()[1] == []
        release(first)  # e.g. the server went away before these were tried
        _, again = claim()
        assert sorted(m.id for m in again) == sorted(m.id for m in batch)
        assert {m.attempts for m in again} == {1}
