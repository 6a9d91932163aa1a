"""Feed benchmark (issues #6 and #12): the full iCal feed built and served, next to nginx
and a minimal Flask app serving the same bytes, on SQLite and PostgreSQL.

Data: ``bench/january.py`` (realistic January events: 1–2 KB descriptions, series, multi-day,
all-day, on-demand), loaded with ``flask imports file … --trusted``. For each database
(SQLite file; PostgreSQL in a throwaway cluster, as tests/pg.py starts one):

1. in-process through the app (wall time): a cold build (no piece, no cached file, no
   VTIMEZONE computed; the description's plain text is data stored with the event, like its
   title) and a rebuild after one approval, each against icalendar alone serializing the
   same events (targets ≤ 1.0× and ≤ 0.1×), all with the database in the OS page cache (an
   untimed pass reads it first, as a running server would have);
2. under gunicorn, for ``-w 2`` (sync) and ``-w 2 --threads 4`` (what the README
   recommends): warm 200 plain and gzip, 304 to If-None-Match; the floors measured in the
   same run: nginx serving the same bytes from a file, and a minimal Flask app returning them
   from memory under the same gunicorn, the three taking turns (``--rounds`` short runs each)
   so that they share the machine's other load alike; ratios to nginx come first (target
   ≥ 0.8×);
3. the RSS of each gunicorn worker after the run (target ≤ 150 MB).

Reproduce (from the repository root, with the test extras installed):

    .venv/bin/python bench/feeds_bench.py --events 10000
    .venv/bin/python bench/feeds_bench.py --events 100000 --database sqlite
    .venv/bin/python bench/feeds_bench.py --database sqlite --database-url sqlite:///…/htpm.sqlite3
        # a database already loaded (e.g. by calendar_bench.py --keep): migrated, not imported
    .venv/bin/python bench/feeds_bench.py --events 1000 --seconds 3 --repeat 1   # smoke run

nginx comes from Debian (``apt-get install -y nginx-light``; skipped without it).
Load comes from this script's own HTTP client (one connection per request, ``--clients``
processes), so every server is measured the same way on the same machine.
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
VENV_BIN = Path(sys.executable).parent
FEED_PATH = "/feeds/events.ics"


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
    conn = HTTPConnection("127.0.0.1", port, timeout=300)
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
    return {
        "rps": done / elapsed,
        "mbps": sum(r[1] for r in results) / elapsed / 1e6,
        "done": done,
        "bytes": sum(r[1] for r in results),
        "seconds": elapsed,
    }


def combined(runs: list[dict]) -> dict:
    """The rate over several runs of :func:`load` (their requests over their time)."""
    seconds = sum(r["seconds"] for r in runs)
    return {
        "rps": sum(r["done"] for r in runs) / seconds,
        "mbps": sum(r["bytes"] for r in runs) / seconds / 1e6,
    }


def run(cmd: list[str], env: dict) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def in_process(env: dict, repeat: int) -> dict:
    """Through the app, in this process, wall time: cold builds (nothing cached: no piece,
    no file, no VTIMEZONE; the stored plain-text description is data), rebuilds after one
    approval (a pending event published: every feed's version moves), and icalendar alone on
    the same events; best of ``repeat``, alternated so that they share the machine's noise,
    after an untimed pass that brings the database into the OS page cache."""
    os.environ.update(env)
    import sqlalchemy as sa

    from htpm_events import create_app
    from htpm_events.events.models import Event
    from htpm_events.events.services import publish
    from htpm_events.extensions import db
    from htpm_events.feeds import cache, vtimezone
    from htpm_events.feeds.models import FeedCache, FeedPiece

    app = create_app()
    client = app.test_client()

    def get() -> tuple[float, bytes]:
        began = time.perf_counter()
        response = client.get(FEED_PATH)
        spent = time.perf_counter() - began
        assert response.status_code == 200, response.data[:500]
        return spent, response.data

    def cold() -> tuple[float, bytes]:
        with app.app_context():
            db.session.execute(sa.delete(FeedPiece))
            db.session.execute(sa.delete(FeedCache))
            db.session.commit()
            shutil.rmtree(cache.folder(), ignore_errors=True)
        cache.forget_memory()
        vtimezone._vtimezone.cache_clear()
        vtimezone.transitions.cache_clear()
        return get()

    def after_one_approval() -> float:
        with app.app_context():
            event = db.session.scalars(
                sa.select(Event)
                .where(Event.status == "approved", Event.format != "on-demand")
                .order_by(Event.id.desc())
                .limit(1)
            ).one()
            event.status = "pending"
            db.session.commit()
            publish(event)  # the moderator's approval
            db.session.commit()
        return get()[0]

    # Untimed: icalendar alone reads every event once, so that the database is in the OS
    # page cache for every timed build, as on a server that has been running. (A database
    # just loaded by another run may have left the cache: at 100 000 events, 1.3 GB read
    # from disk by the first build alone made it 4.7× the library's time.)
    with app.app_context():
        icalendar_alone()
    colds, rebuilds, baseline = [], [], []
    for _ in range(repeat):
        spent, body = cold()
        colds.append(spent)
        rebuilds.append(after_one_approval())
        with app.app_context():
            baseline.append(icalendar_alone())
    _, body = get()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {
        "cold": colds,
        "rebuild": rebuilds,
        "baseline": baseline,
        "body": body,
    }


def icalendar_alone() -> float:
    """Serialize the feed's events with icalendar only (wall time): every value (plain-text
    description, local times) is computed first, outside the timing."""
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
    began = time.perf_counter()
    cal = Calendar()
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    for props in events:
        item = Event()
        for name, value, params in props:
            item.add(name, value, params)
        cal.add_component(item)
    cal.to_ical()
    return time.perf_counter() - began


def start_gunicorn(
    env: dict, port: int, workdir: Path, threads: int, app: str = "app:app", cwd: Path = ROOT
) -> subprocess.Popen:
    """gunicorn with 2 workers; with ``threads`` > 1 they are gthread workers."""
    log = (workdir / f"gunicorn-{port}.log").open("w")
    command = [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "600"]
    if threads > 1:
        command += ["--threads", str(threads)]
    process = subprocess.Popen(
        command + [app], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    wait_for_port(port)
    return process


MINIMAL_APP = """
from pathlib import Path
from flask import Flask, Response

BODY = Path(__file__).with_name("events.ics").read_bytes()
app = Flask(__name__)


@app.get("/feeds/events.ics")
def feed():
    return Response(BODY, content_type="text/calendar; charset=utf-8")
"""


def start_minimal(body: bytes, port: int, workdir: Path, threads: int) -> subprocess.Popen:
    """A minimal Flask app returning the same bytes from memory, under the same gunicorn."""
    folder = workdir / "minimal"
    folder.mkdir(exist_ok=True)
    (folder / "events.ics").write_bytes(body)
    (folder / "minimal.py").write_text(MINIMAL_APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTPM_", "DATABASE_"))}
    return start_gunicorn(env, port, workdir, threads, "minimal:app", folder)


def worker_rss_mb(master: subprocess.Popen) -> list[float]:
    """Resident memory of each gunicorn worker (children of the master), in MB."""
    found = []
    for child in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split():
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                found.append(int(line.split()[1]) / 1024)
    return found


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


def measure_database(args, database: str, workdir: Path) -> list[tuple[str, str, str]]:
    from january import write_csv

    instance = workdir / f"instance-{database}"
    cluster = None
    if args.database_url:
        database_url = args.database_url
    elif database == "postgresql":
        from tests.pg import Cluster

        cluster = Cluster(workdir / "pg")
        if not cluster.available:
            return [("PostgreSQL", "skipped", "initdb/pg_ctl not found")]
        url = cluster.start()
        import sqlalchemy as sa

        engine = sa.create_engine(url + "/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE bench"))
        engine.dispose()
        database_url = url + "/bench"
    else:
        database_url = f"sqlite:///{instance / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "HTPM_INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "HTPM_BASE_URL": "http://127.0.0.1",
        "HTPM_RATELIMITS": "off",
        "SECRET_KEY": "feeds-bench",
    }
    processes: list = []
    rows = []
    try:
        csv_path = workdir / "events.csv"
        if not csv_path.exists() and not args.database_url:
            write_csv(csv_path, args.events)
        flask = str(VENV_BIN / "flask")
        run([flask, "db", "upgrade"], env)
        began = time.perf_counter()
        if not args.database_url:  # a loaded database is measured as it is
            run([flask, "imports", "file", str(csv_path), "--trusted"], env)
        imported = time.perf_counter() - began

        measured = in_process(env, args.repeat)
        body = measured["body"]
        cold, alone, rebuild = (min(measured[k]) for k in ("cold", "baseline", "rebuild"))
        packed = gzip.compress(body, 6)
        rows += [
            ("events in the feed", f"{body.count(b'BEGIN:VEVENT'):,}", f"import {imported:.0f} s"),
            (
                "feed size plain / gzip",
                f"{len(body) / 1e6:.1f} MB",
                f"{len(packed) / 1e6:.2f} MB gzip",
            ),
            (
                "cold build ÷ icalendar alone",
                f"{cold / alone:.2f}×",
                f"{cold:.2f} s vs {alone:.2f} s (target ≤ 1.0×)",
            ),
            (
                "after one approval ÷ icalendar alone",
                f"{rebuild / alone:.3f}×",
                f"{rebuild:.2f} s (target ≤ 0.1×)",
            ),
        ]
        nginx_port = free_port()
        nginx = start_nginx(body, nginx_port, workdir / database)
        processes.append(nginx)
        static_runs = []
        for threads in (1, args.threads):
            name = "gunicorn -w 2" + (f" --threads {threads}" if threads > 1 else "")
            port = free_port()
            app = start_gunicorn(env, port, workdir, threads)
            processes.append(app)
            status, warm_body, headers = fetch(port)
            assert status == 200 and warm_body == body, "gunicorn served other bytes"
            status, gz_body, gz_headers = fetch(port, {"Accept-Encoding": "gzip"})
            assert status == 200 and gzip.decompress(gz_body) == body
            minimal_port = free_port()
            minimal = start_minimal(body, minimal_port, workdir, threads)
            processes.append(minimal)
            # The three servers take turns, a short run each, so that they share whatever
            # else the machine is doing; each figure is over all of its runs.
            ports = {"app": port, "minimal": minimal_port}
            if nginx:
                ports["nginx"] = nginx_port
            runs: dict[str, list[dict]] = {name: [] for name in ports}
            for _ in range(args.rounds):
                for server, server_port in ports.items():
                    runs[server].append(load(server_port, args.seconds / args.rounds, args.clients))
            warm, floor = combined(runs["app"]), combined(runs["minimal"])
            static_runs += runs.get("nginx", [])
            static = combined(runs["nginx"]) if nginx else None
            warm_gz = load(port, args.seconds, args.clients, {"Accept-Encoding": "gzip"})
            fresh = load(port, args.seconds, args.clients, {"If-None-Match": headers["ETag"]}, 304)
            rss = worker_rss_mb(app)
            stop(app)
            stop(minimal)
            ratio = f"{warm['rps'] / static['rps']:.2f}× nginx" if static else "nginx skipped"
            rows += [
                (
                    f"warm 200 ÷ nginx, {name}",
                    ratio,
                    f"{warm['rps']:.1f} req/s, {warm['mbps']:.0f} MB/s (target ≥ 0.8×)",
                ),
                (
                    f"warm 200 ÷ minimal Flask, {name}",
                    f"{warm['rps'] / floor['rps']:.2f}×",
                    f"minimal Flask {floor['rps']:.1f} req/s",
                ),
                (
                    f"warm gzip 200, {name}",
                    f"{warm_gz['rps']:.1f} req/s",
                    f"{warm_gz['mbps']:.0f} MB/s",
                ),
                (f"304, {name}", f"{fresh['rps']:.0f} req/s", ""),
                (
                    f"worker RSS after the run, {name}",
                    " / ".join(f"{r:.0f}" for r in rss) + " MB",
                    "target ≤ 150 MB",
                ),
            ]
        stop(nginx, signal.SIGQUIT)
        if static_runs:
            static = combined(static_runs)
            rows.append(
                (
                    "nginx, same bytes from a file",
                    f"{static['rps']:.1f} req/s",
                    f"{static['mbps']:.0f} MB/s",
                )
            )
        else:
            rows.append(("nginx", "skipped", "not installed: apt-get install -y nginx-light"))
    finally:
        for process in processes:
            stop(process)
        if cluster is not None:
            cluster.stop()
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10, help="per throughput figure")
    parser.add_argument("--rounds", type=int, default=5,
                        help="turns nginx, the app and the minimal app take for the warm "
                        "figures (each --seconds in all)")  # fmt: skip
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes")
    parser.add_argument("--repeat", type=int, default=3, help="builds to time (best is kept)")
    parser.add_argument("--threads", type=int, default=4, help="the README's gunicorn threads")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--database-url", help="measure this loaded database (migrated, no "
                        "import); --database names its kind")  # fmt: skip
    args = parser.parse_args(argv)
    if args.database_url and args.database == "both":
        parser.error("--database-url needs --database sqlite or postgresql")

    workdir = Path(tempfile.mkdtemp(prefix="htpm-feeds-bench-"))
    for folder in (workdir,):
        folder.chmod(0o755)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = {}
    try:
        for database in databases:
            (workdir / database).mkdir()
            results[database] = measure_database(args, database, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nFeed benchmark, N={args.events:,} events, {os.cpu_count()} CPUs (wall times)")
    for database, rows in results.items():
        print(f"\n{database}")
        width = max(len(r[0]) for r in rows)
        for name, value, note in rows:
            print(f"  {name:<{width}}  {value:>14}  {note}")
    print(
        f"\nReproduce: .venv/bin/python bench/feeds_bench.py --events {args.events} "
        f"--database {args.database} --seconds {args.seconds:g} --clients {args.clients} "
        f"--repeat {args.repeat} --threads {args.threads} --rounds {args.rounds}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
