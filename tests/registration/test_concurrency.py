"""Fifty people take the last five places at the same moment, through gunicorn with four
worker processes: exactly five get a place, the rest are waitlisted in the order they got
through, nobody sees an error, and every one of them has an e-mail queued."""

from __future__ import annotations

import os
import signal
import threading
import urllib.parse
from http.client import HTTPConnection

import sqlalchemy as sa

from htpm_events.extensions import db
from htpm_events.outbox.models import OutboxMessage

from ..processes import start_gunicorn
from .conftest import registrations


def test_fifty_people_taking_the_last_five_places_at_once(app, hub_event, database_url, tmp_path):
    event = hub_event(capacity=5)
    event_id, day = event.id, event.start_date.isoformat()
    db.session.remove()
    instance = tmp_path / "instance-gunicorn"
    instance.mkdir()
    (instance / "config.py").write_text("WTF_CSRF_ENABLED = False\n")
    process, port = start_gunicorn(database_url, instance, "-w", "4")
    statuses: list[int] = []
    barrier = threading.Barrier(50)

    def register(n: int) -> None:
        body = urllib.parse.urlencode(
            {"name": f"Person {n}", "email": f"p{n}@example.org", "consent": "y", "occurrence": day}
        )
        connection = HTTPConnection("127.0.0.1", port, timeout=120)
        barrier.wait()
        connection.request(
            "POST",
            f"/events/{event_id}/register",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        statuses.append(connection.getresponse().status)
        connection.close()

    try:
        threads = [threading.Thread(target=register, args=(n,)) for n in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)

    assert sorted(set(statuses)) == [303] and len(statuses) == 50
    found = registrations(event_id)
    assert len(found) == 50 and len({r.email for r in found}) == 50
    in_order = [r.status for r in found]  # by the time each got through
    assert in_order == ["confirmed"] * 5 + ["waitlisted"] * 45
    queued = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert queued == 50
