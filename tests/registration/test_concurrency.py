"""Fifty people take the last five places at the same moment, through gunicorn with four
worker processes: exactly five get a place, the rest are waitlisted in the order they got
through, nobody sees an error, and every one of them has an e-mail queued."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

import sqlalchemy as sa

from htpm_events.extensions import db
from htpm_events.outbox.models import OutboxMessage

from ..pg import free_port
from ..processes import child_env
from .conftest import registrations

ROOT = Path(__file__).resolve().parents[2]


def start_gunicorn(database_url: str, instance: Path) -> tuple[subprocess.Popen, int]:
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text("WTF_CSRF_ENABLED = False\n")
    port = free_port()
    env = child_env(
        DATABASE_URL=database_url,
        HTPM_INSTANCE_PATH=instance,
        SECRET_KEY="test-secret",
        HTPM_RATELIMITS="off",
        HTPM_BASE_URL="http://localhost",
    )
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}"]
        + ["app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        connection = HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError("gunicorn did not start")


def test_fifty_people_taking_the_last_five_places_at_once(app, hub_event, database_url, tmp_path):
    event = hub_event(capacity=5)
    event_id, day = event.id, event.start_date.isoformat()
    db.session.remove()
    process, port = start_gunicorn(database_url, tmp_path / "instance-gunicorn")
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
