"""Feed benchmark (issue #6): how fast the full iCal feed is built and served.

Loads N synthetic events through ``flask imports file … --trusted`` into a throwaway SQLite
instance (or ``--database-url``), then reports:

1. cold build of /feeds/events.ics (empty feed cache, in-process through the app: query,
   plain-text descriptions, VTIMEZONEs, serialization) against the time the icalendar
   library alone needs to serialize the same events (a minimal Calendar of Events with the
   same property values, computed beforehand) — target ≤ 1.5×;
2. warm feed throughput under gunicorn with 2 workers against the same bytes served as a
   static file by nginx on loopback — target ≥ 0.5×;
3. 304 throughput (If-None-Match) under gunicorn.

Reproduce (from the repository root, with the test extras installed):

    .venv/bin/python bench/feeds_bench.py                 # 10 000 events
    .venv/bin/python bench/feeds_bench.py --events 1000 --seconds 5

nginx comes from Debian: ``apt-get install -y nginx`` (the comparison is skipped without it).
Load comes from this script's own HTTP client (one connection per request, ``--clients``
processes), so both servers are measured the same way on the same machine.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
FEED_PATH = "/feeds/events.ics"

#: States whose zones the events use (several zones, with and without daylight time).
STATES = ["CA", "TX", "NY", "AZ", "CO", "HI", "AK", "GU", "KY", "IL"]
LEVELS = ["federal", "state", "tribal", "local", "community"]
TYPES = ["training", "webinar", "conference", "panel", "workshop", "vigil", "exhibit"]
DESCRIPTION = (
    "Join us for a **{kind}** on recognizing and responding to human trafficking in {city}. "
    "The session covers indicators of labor and sex trafficking, trauma-informed screening, "
    "and referral pathways, with time for questions; captions are provided.\n\n"
    "- Who should attend: {audience}\n- Materials are shared after the session"
)
#: SPEC §6 columns, as the sample file has them.
SAMPLE = ROOT / "htpm_events" / "data" / "htpm-2026-sample.csv"


def write_csv(path: Path, count: int, year: int) -> None:
    """Synthetic events across January: timed, all-day, multi-day, weekly (crossing into
    March's daylight-saving change), in-person and online, several zones and levels."""
    sys.path.insert(0, str(ROOT))
    from htpm_events import vocab

    topics = list(vocab.TOPICS)
    with SAMPLE.open(encoding="utf-8") as sample:
        header = next(csv.reader(sample))
    rng = random.Random(6)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for n in range(count):
            state = rng.choice(STATES)
            day = date(year, 1, 1 + n % 31)
            kind = rng.choice(TYPES)
            all_day = kind == "exhibit"
            in_person = rng.random() < 0.3 or all_day
            hour = 8 + n % 10
            row = dict.fromkeys(header, "")
            row.update(
                title=f"{kind.title()} #{n}: Human trafficking, what to know; and do",
                description=DESCRIPTION.format(kind=kind, city=state, audience="everyone"),
                organization=f"Coalition {n % 97}",
                level=rng.choice(LEVELS),
                state=state,
                format="in-person" if in_person else "virtual",
                event_type=kind,
                topics="|".join(rng.sample(topics, rng.randint(1, 3))),
                audiences="general-public|social-services",
                timezone=vocab.STATE_TIMEZONES[state],
                start_date=day.isoformat(),
                end_date=(day + timedelta(days=6 if all_day else 0)).isoformat(),
                recurrence="none",
                registration_mode="external",
                registration_url=f"https://example.org/register/{n}",
                cost="" if n % 4 else "$25",
                languages="en",
                accessibility="captions",
                contact_name="Bench Contact",
                contact_email=f"contact{n}@example.org",
            )
            if all_day:
                row["all_day"] = "1"
            else:
                row.update(start_time=f"{hour:02d}:00", end_time=f"{hour + 1:02d}:30")
            if in_person:
                row.update(
                    venue_name="Community Center",
                    address=f"{100 + n} Main Street",
                    city="Springfield",
                    postal_code="40601",
                )
            else:
                row["online_url"] = f"https://meet.example.org/{n}"
            if not all_day and n % 10 == 0:
                row["recurrence"] = "weekly"
                row["recurrence_until"] = date(year, 3, 31).isoformat()
            writer.writerow(row)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def fetch(port: int, headers: dict | None = None) -> tuple[int, bytes, dict]:
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", FEED_PATH, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, dict(response.getheaders())


def _client(args: tuple) -> tuple[int, int, int]:
    port, headers, seconds, expect = args
    done = size = wrong = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body, _ = fetch(port, headers)
        done += 1
        size += len(body)
        wrong += status != expect
    return done, size, wrong


def load(port: int, seconds: float, clients: int, headers=None, expect=200) -> dict:
    """Requests per second (and MB/s) with ``clients`` processes, one connection each time."""
    with multiprocessing.Pool(clients) as pool:
        start = time.monotonic()
        results = pool.map(_client, [(port, headers, seconds, expect)] * clients)
        elapsed = time.monotonic() - start
    done = sum(r[0] for r in results)
    wrong = sum(r[2] for r in results)
    if wrong:
        raise RuntimeError(f"{wrong} of {done} responses did not answer {expect}")
    return {"rps": done / elapsed, "mbps": sum(r[1] for r in results) / elapsed / 1e6}


def run(cmd: list[str], env: dict) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def in_process(env: dict, repeat: int) -> dict:
    """Through the app, in this process: "cold" builds (no cached feed, no converted
    description, no VTIMEZONE computed), "rebuilds" (no cached feed: what follows a data
    change in a running worker), and icalendar alone on the same events. CPU time of this
    process, best of ``repeat``, alternating the three so that they share the machine's
    noise."""
    os.environ.update(env)
    from htpm_events import create_app
    from htpm_events.extensions import db
    from htpm_events.feeds import cache, ical, vtimezone
    from htpm_events.feeds.models import FeedCache

    app = create_app()
    client = app.test_client()

    def build(cold: bool) -> tuple[float, bytes]:
        with app.app_context():
            db.session.execute(db.delete(FeedCache))
            db.session.commit()
        cache.forget_memory()
        if cold:
            ical.plain_text.clear()
            vtimezone._vtimezone.cache_clear()
            vtimezone.transitions.cache_clear()
        began = time.process_time()
        response = client.get(FEED_PATH)
        spent = time.process_time() - began
        assert response.status_code == 200, response.data[:500]
        return spent, response.data

    cold, rebuild, baseline = [], [], []
    for _ in range(repeat):
        spent, body = build(cold=True)
        cold.append(spent)
        rebuild.append(build(cold=False)[0])
        with app.app_context():
            baseline.append(icalendar_alone())
    return {"cold": cold, "rebuild": rebuild, "baseline": baseline, "body": body}


def icalendar_alone() -> float:
    """Serialize the feed's events with icalendar only: every value (plain-text description,
    local times) is computed first, outside the timing."""
    import sqlalchemy as sa
    from icalendar import Calendar, Event, vRecur, vUri
    from sqlalchemy.orm import selectinload

    from htpm_events.events.models import Event as EventRow
    from htpm_events.events.occurrences import local_bounds
    from htpm_events.extensions import db
    from htpm_events.feeds import ical

    rows = db.session.scalars(
        sa.select(EventRow)
        .where(EventRow.status == "approved", EventRow.format != "on-demand")
        .order_by(EventRow.starts_at, EventRow.id)
        .options(selectinload(EventRow.tags), selectinload(EventRow.organization))
    ).all()
    base = ical.base_url()
    events = []
    for e in rows:
        start, end = local_bounds(e)
        if e.all_day:
            start, end = start.date(), end.date()
        props = [
            ("uid", e.uid, None),
            ("dtstamp", e.updated, None),
            ("created", e.created, None),
            ("last-modified", e.updated, None),
            ("sequence", e.sequence, None),
            ("dtstart", start, None),
            ("dtend", end, None),
            ("summary", e.title, None),
            ("description", ical.description(e, base), None),
            ("location", ical.location(e), None),
            ("url", vUri(ical.event_page_url(e, base)), None),
            ("categories", ical.categories(e), None),
            ("status", "CONFIRMED", None),
        ]
        if e.rrule:
            props.append(("rrule", vRecur.from_ical(e.rrule), None))
        if ical.public_join_link(e):
            video = {"VALUE": "URI", "FEATURE": "VIDEO"}
            props.append(("conference", vUri(ical.public_join_link(e)), video))
        events.append(props)
    began = time.process_time()
    cal = Calendar()
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    for props in events:
        item = Event()
        for name, value, params in props:
            item.add(name, value, params)
        cal.add_component(item)
    cal.to_ical()
    return time.process_time() - began


def start_gunicorn(env: dict, port: int, workdir: Path, threads: int) -> subprocess.Popen:
    """gunicorn with 2 workers; with ``threads`` > 1 they are gthread workers, so that a
    worker blocked sending one large body to a slow reader can still answer others."""
    log = (workdir / "gunicorn.log").open("w")
    command = f"{VENV_BIN}/gunicorn -w 2 --threads {threads} -b 127.0.0.1:{port} app:app"
    process = subprocess.Popen(
        command.split(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    wait_for_port(port)
    return process


def start_nginx(body: bytes, port: int, workdir: Path) -> subprocess.Popen | None:
    nginx = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if nginx is None:
        return None
    prefix = workdir / "nginx"
    (prefix / "static" / "feeds").mkdir(parents=True)
    (prefix / "static" / "feeds" / "events.ics").write_bytes(body)
    for folder in (workdir, prefix, prefix / "static", prefix / "static" / "feeds"):
        folder.chmod(0o755)  # nginx workers run as an unprivileged user when started as root
    (prefix / "static" / "feeds" / "events.ics").chmod(0o644)
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(f"""
{user}
worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 512; }}
http {{
  access_log off;
  sendfile on;
  client_body_temp_path {prefix}/tmp-body;
  proxy_temp_path {prefix}/tmp-proxy;
  fastcgi_temp_path {prefix}/tmp-fastcgi;
  uwsgi_temp_path {prefix}/tmp-uwsgi;
  scgi_temp_path {prefix}/tmp-scgi;
  types {{ text/calendar ics; }}
  charset utf-8;
  server {{
    listen 127.0.0.1:{port};
    root {prefix}/static;
    location / {{ add_header Cache-Control "public, max-age=300"; }}
  }}
}}
""")
    command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_for_port(port)
    return process


def stop(process: subprocess.Popen | None, sig=signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10, help="per throughput run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes")
    parser.add_argument("--repeat", type=int, default=5, help="builds to time (best is kept)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--database-url", help="default: a SQLite file in the temp folder")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="htpm-feeds-bench-"))
    instance = workdir / "instance"
    env = {
        **os.environ,
        "HTPM_INSTANCE_PATH": str(instance),
        "DATABASE_URL": args.database_url or f"sqlite:///{instance / 'bench.sqlite3'}",
        "HTPM_BASE_URL": "http://127.0.0.1",
        "HTPM_RATELIMITS": "off",
        "SECRET_KEY": "feeds-bench",
    }
    gunicorn = nginx = None
    try:
        year = date.today().year + 1
        csv_path = workdir / "events.csv"
        write_csv(csv_path, args.events, year)
        flask = str(VENV_BIN / "flask")
        run([flask, "db", "upgrade"], env)
        began = time.perf_counter()
        print(run([flask, "imports", "file", str(csv_path), "--trusted"], env))
        imported = time.perf_counter() - began

        measured = in_process(env, args.repeat)
        body = measured["body"]
        cold, alone = min(measured["cold"]), min(measured["baseline"])
        rebuild = min(measured["rebuild"])

        port = free_port()
        gunicorn = start_gunicorn(env, port, workdir, args.threads)
        status, warm_body, headers = fetch(port)
        assert status == 200 and warm_body == body, "gunicorn served other bytes"
        warm = load(port, args.seconds, args.clients)
        not_modified = load(
            port, args.seconds, args.clients, {"If-None-Match": headers["ETag"]}, expect=304
        )
        stop(gunicorn)
        gunicorn = None

        nginx_port = free_port()
        nginx = start_nginx(body, nginx_port, workdir)
        static = load(nginx_port, args.seconds, args.clients) if nginx else None
        stop(nginx, signal.SIGQUIT)
        nginx = None
    finally:
        stop(gunicorn)
        stop(nginx, signal.SIGQUIT)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    ratio = f"{cold / alone:.2f}× icalendar alone (target ≤ 1.5×)"
    colds = ", ".join(f"{t:.2f}" for t in measured["cold"])
    gunicorn_name = f"gunicorn -w 2 --threads {args.threads}"
    rows = [
        ("events in the feed", f"{body.count(b'BEGIN:VEVENT'):,}", ""),
        ("feed size", f"{len(body) / 1e6:.2f} MB", ""),
        ("import (flask imports file --trusted)", f"{imported:.1f} s", "wall time"),
        (f"cold build through the app (best of: {colds})", f"{cold:.2f} s", ratio),
        ("rebuild after a change (worker warm)", f"{rebuild:.2f} s", f"{rebuild / alone:.2f}×"),
        ("icalendar alone, same events", f"{alone:.2f} s", ""),
        (f"warm 200, {gunicorn_name}", f"{warm['rps']:.1f} req/s", f"{warm['mbps']:.0f} MB/s"),
    ]
    if static:
        share = f"gunicorn = {warm['rps'] / static['rps']:.2f}× nginx (target ≥ 0.5×)"
        rows.append(
            (
                "same bytes, nginx static file",
                f"{static['rps']:.1f} req/s",
                f"{static['mbps']:.0f} MB/s; {share}",
            )
        )
    else:
        rows.append(("nginx static file", "skipped", "not installed: apt-get install -y nginx"))
    rows.append((f"304 (If-None-Match), {gunicorn_name}", f"{not_modified['rps']:.1f} req/s", ""))
    width = max(len(r[0]) for r in rows)
    database = "DATABASE_URL" if args.database_url else "SQLite"
    print(f"\nFeed benchmark, N={args.events:,} events, {os.cpu_count()} CPUs, {database};")
    print("build times are CPU seconds of the benchmark process")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>12}  {note}")
    print(
        f"\nReproduce: .venv/bin/python bench/feeds_bench.py --events {args.events} "
        f"--seconds {args.seconds:g} --clients {args.clients} --threads {args.threads}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
