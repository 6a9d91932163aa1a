"""Public calendar benchmark (issue #5): latency of the public pages at 10 000 and 100 000 events.

For each size N it
  1. writes N synthetic events as a SPEC §6 CSV (levels, states, formats, topics, weekly
     series, all-day and multi-day events; ~70 % in January 2027, the rest over 2027),
  2. builds a fresh SQLite database in a temporary instance folder (``flask db upgrade``)
     and loads the file with ``flask imports file … --trusted``,
  3. starts gunicorn with 2 workers on a free loopback port (``HTPM_RATELIMITS=off``),
  4. sends REQUESTS requests to each URL below from a small thread pool and prints p50 and
     p95 latencies (milliseconds) as a table.

Run from the repository root:

    .venv/bin/python bench/calendar_bench.py                 # 10 000 and 100 000
    .venv/bin/python bench/calendar_bench.py 2000 --requests 50

The target (issue #5): the first page of /events at 100 000 events costs no more than
1.5 x what it costs at 10 000. The figures depend on "today": the default /events starts
today, and the events are in 2027.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htpm_events import vocab  # noqa: E402

BIN = Path(sys.executable).parent
URLS = {
    "/events": "/events",
    "/events filtered": "/events?level=state&format=virtual&topic=child-trafficking",
    "/calendar/2027/1": "/calendar/2027/1",
    "/api/v1/events": "/api/v1/events",
}
COLUMNS = [
    "title", "description", "organization", "level", "state", "format", "event_type", "topics",
    "audiences", "timezone", "start_date", "start_time", "end_date", "end_time", "all_day",
    "recurrence", "recurrence_count", "venue_name", "address", "city", "postal_code",
    "online_url", "registration_mode", "registration_url", "registration_deadline",
    "capacity", "cost", "languages", "accessibility", "ce_credits", "contact_name",
    "contact_email",
]  # fmt: skip
_TEXT = """awareness prevention labor exploitation outreach survivors housing youth screening
supply chains online safety trauma informed care community partners law enforcement health
clinics schools caregivers recovery services emergency response"""
WORDS = _TEXT.split()


def synthetic_rows(n: int, seed: int = 2027):
    rng = random.Random(seed)
    states = list(vocab.STATES)
    organizations = [f"Synthetic Organization {i:05d}" for i in range(max(10, n // 40))]
    for i in range(n):
        level = rng.choice(list(vocab.LEVELS))
        state = "" if level == "federal" and rng.random() < 0.7 else rng.choice(states)
        timezone = vocab.STATE_TIMEZONES.get(state, "America/New_York")
        fmt = rng.choices(["virtual", "in-person", "hybrid", "on-demand"], [45, 35, 14, 6])[0]
        if fmt in ("in-person", "hybrid") and not state:
            state = rng.choice(states)
            timezone = vocab.STATE_TIMEZONES.get(state, "America/New_York")
        if rng.random() < 0.7:
            start = date(2027, 1, 1) + timedelta(days=rng.randrange(31))
        else:
            start = date(2027, 2, 1) + timedelta(days=rng.randrange(330))
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            title=f"{vocab.EVENT_TYPES[rng.choice(list(vocab.EVENT_TYPES))]} on "
            f"{' '.join(rng.sample(WORDS, 3))} #{i}",
            description=" ".join(rng.choices(WORDS, k=60)),
            organization=rng.choice(organizations),
            level=level,
            state=state,
            format=fmt,
            event_type=rng.choice(list(vocab.EVENT_TYPES)),
            topics="|".join(rng.sample(list(vocab.TOPICS), rng.randint(1, 2))),
            audiences="|".join(rng.sample(list(vocab.AUDIENCES), rng.randint(1, 3))),
            timezone=timezone,
            start_date=start.isoformat(),
            recurrence="none",
            languages="en|es" if rng.random() < 0.15 else "en",
            accessibility="|".join(rng.sample(list(vocab.ACCESSIBILITY), rng.randint(0, 2))),
            contact_name="Bench Contact",
            contact_email=f"contact{i}@example.org",
            cost="$10" if rng.random() < 0.2 else "",
        )
        kind = rng.random()
        if fmt == "on-demand":
            if rng.random() < 0.5:
                row["end_date"] = (start + timedelta(days=rng.randint(30, 200))).isoformat()
        elif kind < 0.08:  # all day, sometimes several days
            row["all_day"] = "1"
            last = start + timedelta(days=rng.choice([0, 0, 1, 3, 9]))
            row["end_date"] = last.isoformat()
        else:
            hour = rng.randint(8, 18)
            minute = rng.choice([0, 30])
            length = rng.choice([60, 90, 120, 180])
            row["start_time"] = f"{hour:02d}:{minute:02d}"
            end_minutes = min(hour * 60 + minute + length, 23 * 60 + 30)
            row["end_time"] = f"{end_minutes // 60:02d}:{end_minutes % 60:02d}"
            if kind < 0.14:  # a weekly series
                row["recurrence"] = "weekly"
                row["recurrence_count"] = str(rng.randint(2, 6))
        if fmt in ("in-person", "hybrid"):
            row.update(
                venue_name=f"Hall {i % 97}",
                address=f"{rng.randint(1, 9999)} Main Street",
                city=f"City {i % 389}",
                postal_code=f"{rng.randint(10000, 99999)}",
            )
        if fmt in ("virtual", "hybrid", "on-demand"):
            row["online_url"] = f"https://example.org/join/{i}"
        mode = rng.choices(["external", "hub", "none"], [60, 10, 30])[0]
        row["registration_mode"] = mode
        if mode == "external":
            row["registration_url"] = f"https://example.org/register/{i}"
        elif mode == "hub":
            row["capacity"] = str(rng.choice([25, 50, 100, 300]))
        if mode != "none" and fmt != "on-demand" and rng.random() < 0.3:
            row["registration_deadline"] = f"{(start - timedelta(days=2)).isoformat()}T17:00"
        yield row


def write_csv(path: Path, n: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(synthetic_rows(n))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
    finally:
        connection.close()
    return (time.perf_counter() - started) * 1000


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before it served a request")
        try:
            get(port, "/healthz")
            return
        except (OSError, RuntimeError):
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_size(n: int, requests: int, threads: int, keep: bool) -> dict[str, tuple[float, float]]:
    folder = Path(tempfile.mkdtemp(prefix=f"htpm-bench-{n}-"))
    env = {
        **os.environ,
        "HTPM_INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'htpm.sqlite3'}",
        "HTPM_RATELIMITS": "off",
        "SECRET_KEY": "bench",
        "PYTHONWARNINGS": "ignore",
    }
    server = None
    try:
        data = folder / "events.csv"
        began = time.perf_counter()
        write_csv(data, n)
        flask = str(BIN / "flask")
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run([flask, "imports", "file", str(data), "--trusted"], cwd=ROOT, env=env,
                       check=True, capture_output=True)  # fmt: skip
        print(f"  {n} events generated and imported in {time.perf_counter() - began:.0f} s",
              flush=True)  # fmt: skip
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "--timeout", "300", "--log-level", "warning", "app:app"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        wait_until_up(port, server)
        results = {}
        for name, path in URLS.items():
            for _ in range(3):  # warm both workers
                get(port, path)
            with ThreadPoolExecutor(threads) as pool:
                times = list(pool.map(get, [port] * requests, [path] * requests))
            results[name] = (statistics.median(times), percentile(times, 0.95))
        return results
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if keep:
            print(f"  kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=200, help="per URL (default 200)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases")
    args = parser.parse_args()

    table: dict[int, dict[str, tuple[float, float]]] = {}
    for n in args.sizes:
        print(f"N = {n}:", flush=True)
        table[n] = run_size(n, args.requests, args.threads, args.keep)

    print()
    header = f"{'URL':<20}" + "".join(f"{f'N={n} p50':>14}{'p95':>9}" for n in args.sizes)
    print(header)
    print("-" * len(header))
    for name in URLS:
        cells = "".join(f"{table[n][name][0]:>14.1f}{table[n][name][1]:>9.1f}" for n in args.sizes)
        print(f"{name:<20}{cells}")
    print("(milliseconds; gunicorn, 2 workers, SQLite, "
          f"{args.requests} requests per URL from {args.threads} threads)")  # fmt: skip
    if len(args.sizes) >= 2:
        small, large = args.sizes[0], args.sizes[-1]
        ratio = table[large]["/events"][0] / table[small]["/events"][0]
        verdict = "meets" if ratio <= 1.5 else "misses"
        print(f"/events p50 at N={large} is {ratio:.2f}x N={small} ({verdict} the 1.5x target)")


if __name__ == "__main__":
    main()
