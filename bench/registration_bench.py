"""Registration benchmark (issue #10): ``--people`` (default 200) people register at the same
moment for an event with ``--seats`` (default 50) places, through ``gunicorn -w 4`` on
PostgreSQL (a throwaway cluster from initdb/pg_ctl) and on SQLite. It prints requests/s,
p50/p95 and checks the outcome: exactly ``--seats`` confirmed, the rest waitlisted, no error.

Reproduce (from the repository root, after ``make install-test``):

    .venv/bin/python bench/registration_bench.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent

from tests.pg import Cluster, free_port  # noqa: E402  (the tests' throwaway PostgreSQL)
from tests.processes import child_env  # noqa: E402


def env_for(database_url: str, instance: Path) -> dict:
    env = child_env(
        DATABASE_URL=database_url,
        HTPM_INSTANCE_PATH=instance,
        SECRET_KEY="bench-secret",
        HTPM_RATELIMITS="off",
    )
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text("WTF_CSRF_ENABLED = False\n")
    return env


def python(env: dict, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout.strip()


SETUP = """
from datetime import date, time, timedelta
from flask_migrate import upgrade
from htpm_events import create_app
from htpm_events.events.models import Event
from htpm_events.events.services import apply_data, publish
from htpm_events.extensions import db
from tests.builders import event_data
app = create_app()
with app.app_context():
    upgrade(directory="migrations")
    event = Event(source="form")
    day = date.today() + timedelta(days=10)
    apply_data(event, event_data(registration_mode="hub", registration_url="", capacity={seats},
                                 start_date=day, end_date=day))
    db.session.add(event)
    publish(event)
    db.session.commit()
    print(event.id, day.isoformat())
"""

OUTCOME = """
import sqlalchemy as sa
from htpm_events import create_app
from htpm_events.extensions import db
from htpm_events.registration.models import Registration
app = create_app()
with app.app_context():
    rows = db.session.execute(sa.select(Registration.status, sa.func.count())
                              .group_by(Registration.status)).all()
    print(dict(rows))
"""


def run(name: str, database_url: str, workdir: Path, people: int, seats: int) -> dict:
    env = env_for(database_url, workdir / f"instance-{name}")
    event_id, day = python(env, SETUP.format(seats=seats)).split()
    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", f"/events/{event_id}/register")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.1)
            finally:
                connection.close()
        times, statuses = [], []
        lock = threading.Lock()
        barrier = threading.Barrier(people)

        def register(n: int) -> None:
            body = urllib.parse.urlencode(
                {"name": f"P {n}", "email": f"p{n}@example.org", "consent": "y", "occurrence": day}
            )
            connection = HTTPConnection("127.0.0.1", port, timeout=120)
            barrier.wait()
            started = time.perf_counter()
            connection.request(
                "POST",
                f"/events/{event_id}/register",
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            status = connection.getresponse().status
            elapsed = (time.perf_counter() - started) * 1000
            connection.close()
            with lock:
                times.append(elapsed)
                statuses.append(status)

        threads = [threading.Thread(target=register, args=(n,)) for n in range(people)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    outcome = python(env, OUTCOME)
    ordered = sorted(times)
    return {
        "name": name,
        "rps": people / wall,
        "p50": statistics.median(times),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "errors": sum(1 for s in statuses if s != 303),
        "outcome": outcome,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seats", type=int, default=50)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="htpm-registration-bench-"))
    results = []
    cluster = Cluster(workdir / "pg")
    try:
        if cluster.available:
            base = cluster.start()
            import sqlalchemy as sa

            engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE bench"))
            engine.dispose()
            results.append(run("PostgreSQL", f"{base}/bench", workdir, args.people, args.seats))
        results.append(
            run(
                "SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", workdir, args.people, args.seats
            )
        )
    finally:
        if cluster.available:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{args.people} simultaneous registrations for {args.seats} places, gunicorn -w 4\n")
    print("| database | requests/s | p50 ms | p95 ms | errors | outcome |")
    print("|---|---:|---:|---:|---:|---|")
    for r in results:
        print(f"| {r['name']} | {r['rps']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | "
              f"{r['errors']} | {r['outcome']} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
