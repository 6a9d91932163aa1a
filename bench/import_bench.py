"""Import benchmark (issue #11): events per second for a 10 000-event .ics file and a
10 000-row CSV into SQLite and PostgreSQL, and the cost of re-running an unchanged source
(304, and a server that ignores conditional GET).

For each database it
  1. builds a fresh database (``flask db upgrade``; PostgreSQL from a throwaway cluster when
     initdb/pg_ctl are installed, as the tests do),
  2. times ``flask imports file`` on the CSV and on the .ics file (in-process, the command
     as the CLI runs it) and prints events/s,
  3. serves the .ics file from a loopback HTTP server, adds it as a source, runs it once,
     then times a second run answered with 304 and a third run from a server that ignores
     conditional GET (a full download and comparison, nothing changed).

Run from the repository root:

    .venv/bin/python bench/import_bench.py              # 10 000 events
    .venv/bin/python bench/import_bench.py 2000 --sqlite-only

Targets (issue #11): at least 2 000 events/s for each file on both databases; an unchanged
source re-run under 1 s with a 304 and under 3 s when the server ignores conditional GET.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htpm_events import vocab  # noqa: E402

WORDS = [
    "awareness",
    "prevention",
    "labor",
    "exploitation",
    "outreach",
    "survivors",
    "housing",
    "youth",
    "screening",
    "training",
    "community",
    "response",
    "coalition",
    "webinar",
    "panel",
    "trauma",
    "informed",
    "care",
    "services",
    "identification",
    "reporting",
    "hotline",
    "partners",
    "schools",
    "health",
    "workers",
    "faith",
    "leaders",
]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
STATES = [s for s in vocab.STATES if len(s) == 2][:50]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def rows(n: int, seed: int = 11):
    """Realistic events: titles, long descriptions, places or join links, several zones."""
    rng = random.Random(seed)
    for i in range(n):
        day = date(2027, 1, 1) + timedelta(days=rng.randrange(0, 31))
        hour = rng.randrange(8, 18)
        online = rng.random() < 0.6
        yield {
            "i": i,
            "title": f"{sentence(rng, 5)} #{i}",
            "description": " ".join(sentence(rng, 12) + "." for _ in range(6)),
            "organization": f"{rng.choice(STATES)} {rng.choice(['Task Force', 'Coalition'])}",
            "state": rng.choice(STATES),
            "timezone": rng.choice(ZONES),
            "day": day,
            "hour": hour,
            "online": online,
            "venue": "" if online else f"{sentence(rng, 2)} Hall",
        }


def write_ics(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n")
        out.write("X-WR-CALNAME:Benchmark calendar\r\n")
        for r in rows(n):
            start = f"{r['day']:%Y%m%d}T{r['hour']:02d}0000"
            end = f"{r['day']:%Y%m%d}T{r['hour'] + 1:02d}0000"
            lines = [
                "BEGIN:VEVENT",
                f"UID:bench-{r['i']}@example.org",
                "DTSTAMP:20261201T000000Z",
                f"SUMMARY:{r['title']}",
                f"DTSTART;TZID={r['timezone']}:{start}",
                f"DTEND;TZID={r['timezone']}:{end}",
                f"DESCRIPTION:{r['description']}",
                f"URL:https://example.org/register/{r['i']}",
            ]
            if r["online"]:
                lines.append(f"CONFERENCE;VALUE=URI:https://zoom.us/j/{100000 + r['i']}")
            else:
                lines.append(f"LOCATION:{r['venue']}\\, 1 Main St\\, Springfield")
            lines.append("END:VEVENT")
            for line in lines:
                out.write(fold(line) + "\r\n")
        out.write("END:VCALENDAR\r\n")


def fold(line: str) -> str:
    parts, data = [], line
    while len(data.encode()) > 74:
        parts.append(data[:70])
        data = data[70:]
    parts.append(data)
    return "\r\n ".join(parts)


def write_csv(path: Path, n: int) -> None:
    columns = [
        "title", "description", "organization", "level", "state", "format", "event_type",
        "topics", "audiences", "timezone", "start_date", "start_time", "end_date", "end_time",
        "venue_name", "address", "city", "postal_code", "online_url", "registration_mode",
        "registration_url", "languages", "contact_name", "contact_email",
    ]  # fmt: skip
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        for r in rows(n, seed=12):
            writer.writerow(
                {
                    "title": r["title"], "description": r["description"],
                    "organization": r["organization"], "level": "state", "state": r["state"],
                    "format": "virtual" if r["online"] else "in-person",
                    "event_type": "webinar", "topics": "awareness|labor-exploitation",
                    "audiences": "general-public", "timezone": r["timezone"],
                    "start_date": r["day"].isoformat(), "start_time": f"{r['hour']:02d}:00",
                    "end_date": r["day"].isoformat(), "end_time": f"{r['hour'] + 1:02d}:00",
                    "venue_name": r["venue"], "address": "" if r["online"] else "1 Main St",
                    "city": "" if r["online"] else "Springfield",
                    "postal_code": "" if r["online"] else "62701",
                    "online_url": f"https://zoom.us/j/{r['i']}" if r["online"] else "",
                    "registration_mode": "external",
                    "registration_url": f"https://example.org/register/{r['i']}",
                    "languages": "en", "contact_name": "Bench", "contact_email": "b@example.org",
                }
            )  # fmt: skip


class Serve:
    """The .ics file on a loopback server, with or without conditional GET."""

    def __init__(self, body: bytes):
        self.body = body
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        self.honour_etag = True
        serve = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                if serve.honour_etag and self.headers.get("If-None-Match") == serve.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(serve.body)))
                if serve.honour_etag:
                    self.send_header("ETag", serve.etag)
                self.end_headers()
                self.wfile.write(serve.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cal.ics"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def run_on(label: str, url: str, folder: Path, ics: Path, csv_path: Path, n: int) -> list:
    from flask_migrate import upgrade

    from htpm_events import create_app
    from htpm_events.extensions import db

    os.environ["HTPM_IMPORT_ALLOW_PRIVATE"] = "1"
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "HTPM_QUEUE": "immediate",
            "HTPM_IMPORT_ALLOW_PRIVATE": "1",
            "HTPM_IMPORT_MAX_BYTES": 200 * 1024 * 1024,
        }
    )
    figures = []
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        runner = app.test_cli_runner()
        for kind, path in (("CSV", csv_path), (".ics", ics)):
            started = time.perf_counter()
            result = runner.invoke(args=["imports", "file", str(path), "--organization", "B"])
            took = time.perf_counter() - started
            if result.exit_code != 0:
                raise SystemExit(f"{kind} import failed:\n{result.output}")
            figures.append((label, f"{n:,}-event {kind} file", f"{n / took:,.0f} events/s",
                            f"{took:.1f} s"))  # fmt: skip
        serve = Serve(ics.read_bytes())
        try:
            added = runner.invoke(args=["imports", "add", serve.url, "--organization", "B"])
            source_id = added.output.strip()
            first = time.perf_counter()
            runner.invoke(args=["imports", "run", "--source", source_id])
            figures.append((label, "source, first run", "", f"{time.perf_counter() - first:.1f} s"))
            for what, honour in (("re-run, 304", True), ("re-run, no conditional GET", False)):
                serve.honour_etag = honour
                started = time.perf_counter()
                result = runner.invoke(args=["imports", "run", "--source", source_id])
                took = time.perf_counter() - started
                if result.exit_code != 0:
                    raise SystemExit(f"source run failed:\n{result.output}")
                figures.append((label, f"unchanged source {what}", "", f"{took:.2f} s"))
        finally:
            serve.close()
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", nargs="?", type=int, default=10_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    n = args.events
    figures = []
    with tempfile.TemporaryDirectory(prefix="htpm-import-bench-") as tmp:
        tmp = Path(tmp)
        ics, csv_path = tmp / "events.ics", tmp / "events.csv"
        write_ics(ics, n)
        write_csv(csv_path, n)
        print(f"files: {ics.stat().st_size:,} bytes .ics, {csv_path.stat().st_size:,} bytes CSV")
        figures += run_on(
            "SQLite", f"sqlite:///{tmp / 'bench.sqlite3'}", tmp / "i1", ics, csv_path, n
        )
        if not args.sqlite_only:
            sys.path.insert(0, str(ROOT / "tests"))
            from pg import Cluster

            cluster = Cluster(tmp / "pg")
            if not cluster.available:
                print("PostgreSQL (initdb/pg_ctl) is not installed: SQLite only.")
            else:
                base = cluster.start()
                try:
                    import sqlalchemy as sa

                    engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
                    with engine.connect() as conn:
                        conn.execute(sa.text("CREATE DATABASE bench"))
                    engine.dispose()
                    figures += run_on("PostgreSQL", f"{base}/bench", tmp / "i2", ics, csv_path, n)
                finally:
                    cluster.stop()
    width = max(len(f[1]) for f in figures)
    print(f"\n{'database':<11} {'what':<{width}} {'rate':>15} {'time':>8}")
    for label, what, rate, took in figures:
        print(f"{label:<11} {what:<{width}} {rate:>15} {took:>8}")


if __name__ == "__main__":
    main()
