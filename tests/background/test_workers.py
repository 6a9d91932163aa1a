"""Real workers (``flask worker`` processes) on a real queue: mail survives a mail-server
outage and arrives once, two workers never send one message twice, and a worker killed with
``kill -9`` mid-delivery leaves nothing lost and nothing doubled."""

from __future__ import annotations

import collections

import pytest
import sqlalchemy as sa

from htpm_events.background.models import JobRun
from htpm_events.extensions import db
from htpm_events.mail import queue_mail
from htpm_events.outbox.models import SENT, OutboxMessage

from ..submissions.helpers import form
from .conftest import wait_for


def statuses() -> collections.Counter:
    db.session.expire_all()
    return collections.Counter(db.session.scalars(sa.select(OutboxMessage.status)))


def no_duplicates(smtp) -> None:
    repeated = [mid for mid, n in collections.Counter(smtp.ids()).items() if n > 1]
    assert repeated == [], f"sent twice: {repeated}"


@pytest.mark.parametrize("count", [1, 2], ids=["one-worker", "two-workers"])
def test_mail_queued_during_an_outage_arrives_exactly_once_when_the_server_is_back(
    queue_app, smtp, workers, count
):
    app = queue_app()
    with app.app_context():
        started = workers(smtp, n=count)
        client = app.test_client()
        response = client.post("/submit", data=form(contact_email="coordinator@county.example"))
        assert response.status_code == 303
        # The workers try and fail (nothing listens yet); the message waits in the outbox.
        wait_for(
            lambda: db.session.scalar(sa.select(sa.func.max(OutboxMessage.attempts))),
            what="a first delivery attempt",
        )
        assert smtp.messages == []

        smtp.start()
        wait_for(lambda: smtp.to("coordinator@county.example"), what="the manage-link message")
        wait_for(lambda: statuses() == {SENT: 2}, what="both messages marked sent")
        [message] = smtp.to("coordinator@county.example")
        assert "/manage/" in message.get_body(("plain",)).get_content()
        assert len(smtp.to("moderators@example.org")) == 1
        no_duplicates(smtp)
        assert all(w.process.poll() is None for w in started), "a worker stopped"


def test_two_workers_on_redis_deliver_500_messages_none_twice_none_missing(
    queue_app, smtp, workers, redis_url, database_url
):
    app = queue_app(redis_url=redis_url)
    smtp.start()
    with app.app_context():
        for n in range(500):
            queue_mail(f"person{n}@example.org", f"Message {n}", "Hello.")
        db.session.commit()
        first, second = workers(smtp, redis_url=redis_url, n=2)
        wait_for(lambda: len(smtp.messages) >= 500, timeout=120, what="500 messages")
        wait_for(lambda: statuses() == {SENT: 500}, what="500 marked sent")
        no_duplicates(smtp)
        assert len(smtp.messages) == 500
        assert sorted(m["Subject"] for m in smtp.messages) == sorted(
            f"Message {n}" for n in range(500)
        )
        # Both took part (the log names each delivery run's result).
        assert "sent" in first.output() and "sent" in second.output()


def test_a_worker_killed_mid_delivery_loses_nothing_and_redoes_only_what_was_in_flight(
    queue_app, smtp, workers
):
    """kill -9 while messages are being sent: after a restart every message is delivered.
    A message is sent again only if the server accepted it in the instant between its
    answer and the worker recording it (SMTP has no two-phase commit): at most one per
    thread of the killed worker, with the same Message-ID, so mail programs show it once."""
    app = queue_app()
    smtp.start()
    smtp.delay = 0.05  # a slow server: the kill lands while messages are being sent
    with app.app_context():
        for n in range(60):
            queue_mail(f"person{n}@example.org", f"Message {n}", "Hello.")
        db.session.commit()
        [worker] = workers(smtp, HTPM_MAIL_LEASE_SECONDS=2)
        wait_for(lambda: len(smtp.messages) >= 15, what="some messages sent")
        worker.kill()
        assert len(smtp.messages) < 60, "the worker finished before it was killed"

        workers(smtp, HTPM_MAIL_LEASE_SECONDS=2)  # restarted: the claims it held expire
        wait_for(lambda: statuses() == {SENT: 60}, timeout=60, what="every message sent")
        received = collections.Counter(m["Subject"] for m in smtp.messages)
        assert set(received) == {f"Message {n}" for n in range(60)}  # none lost
        doubled = [subject for subject, n in received.items() if n > 1]
        assert len(doubled) <= 2 and max(received.values()) <= 2, received  # 2 threads


def test_a_scheduled_job_that_fails_is_recorded_and_the_worker_goes_on(queue_app, smtp, workers):
    """The feed-cache cleaner fails on a database without its table; the mail job still
    runs on the same worker afterwards."""
    app = queue_app()
    smtp.start()
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE feed_cache"))
        db.session.commit()
        [worker] = workers(smtp)
        wait_for(lambda: "Traceback" in worker.output(), what="the cleaner's failure")
        queue_mail("after@example.org", "After the failure", "Hello.")
        db.session.commit()
        wait_for(lambda: smtp.to("after@example.org"), what="mail after a failed job")
        assert worker.process.poll() is None
        assert "Scheduled job feeds.clean failed" in worker.output()

        def recorded():
            db.session.expire_all()
            run = db.session.get(JobRun, "feeds.clean")
            return run if run is not None and run.last_ok is not None else None

        run = wait_for(recorded, what="the failed run recorded")
        assert run.last_ok is False and run.failures == 1
        assert "feed_cache" in run.last_result


def test_while_redis_is_away_requests_work_and_the_worker_reconnects(
    queue_app, smtp, workers, redis_server
):
    app = queue_app(redis_url=redis_server.url)
    smtp.start()
    with app.app_context():
        [worker] = workers(smtp, redis_url=redis_server.url)
        client = app.test_client()
        queue_mail("before@example.org", "Before", "Hello.")
        db.session.commit()
        wait_for(lambda: smtp.to("before@example.org"), what="mail before the outage")

        redis_server.stop()
        response = client.post("/submit", data=form(contact_email="during@example.org"))
        assert response.status_code == 303  # the queue is away; the request is not hurt
        assert smtp.to("during@example.org") == []

        redis_server.start()  # back on the same port
        queue_mail("after@example.org", "After", "Hello.")
        db.session.commit()  # asks the (reconnected) worker, which sends everything due
        wait_for(lambda: smtp.to("after@example.org"), timeout=60, what="mail after the outage")
        wait_for(lambda: smtp.to("during@example.org"), what="mail queued during the outage")
        assert worker.process.poll() is None
        no_duplicates(smtp)
