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

Each import's line also gives the CPU it took per event: the importing process, its worker
processes (``HTPM_IMPORT_WORKERS``; ``--workers 0`` keeps everything in one process) and, on
PostgreSQL, the server's processes (from ``/proc``; the cluster runs on this machine).

Run from the repository root:

    .venv/bin/python bench/import_bench.py              # 10 000 events
    .venv/bin/python bench/import_bench.py 2000 --sqlite-only

Targets (issue #11): at least 2 000 events/s for each file on both databases; an unchanged
source re-run under 1 s with a 304 and under 3 s when the server ignores conditional GET.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import january  # noqa: E402  (benchmark data shaped like a real January)


def write_csv(path: Path, n: int) -> None:
    january.write_csv(path, n, seed=2027)


def write_ics(path: Path, n: int) -> None:
    """Other events than the CSV's (another seed): they are checked against the CSV's
    published events for duplicates, as a second publisher's calendar would be."""
    january.write_ics(path, n, seed=2028)


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


def cpu_now(pg_data: Path | None) -> tuple[float, float, float]:
    """CPU seconds so far of this process, of its ended children (the import's worker
    processes) and of the PostgreSQL cluster's processes."""
    from import_floor import server_cpu

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        own.ru_utime + own.ru_stime,
        children.ru_utime + children.ru_stime,
        server_cpu(pg_data),
    )


def run_on(
    label: str,
    url: str,
    folder: Path,
    ics: Path,
    csv_path: Path,
    n: int,
    workers: str | None = None,
    pg_data: Path | None = None,
) -> list:
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
            **({"HTPM_IMPORT_WORKERS": workers} if workers is not None else {}),
        }
    )
    figures = []
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        runner = app.test_cli_runner()
        for kind, path in (("CSV", csv_path), (".ics", ics)):
            before, started = cpu_now(pg_data), time.perf_counter()
            result = runner.invoke(
                args=["imports", "file", str(path), "--organization", "B", "--trusted"]
            )
            took = time.perf_counter() - started
            spent = [(b - a) / n * 1000 for a, b in zip(before, cpu_now(pg_data), strict=True)]
            if result.exit_code != 0:
                raise SystemExit(f"{kind} import failed:\n{result.output}")
            cpu = " / ".join(f"{ms:.2f}" for ms in spent[: 3 if pg_data else 2])
            figures.append((label, f"{n:,}-event {kind} file", f"{n / took:,.0f} events/s",
                            f"{took:.1f} s", cpu))  # fmt: skip
        serve = Serve(ics.read_bytes())
        try:
            added = runner.invoke(args=["imports", "add", serve.url, "--organization", "B"])
            source_id = added.output.strip()
            first = time.perf_counter()
            runner.invoke(args=["imports", "run", "--source", source_id])
            took = time.perf_counter() - first
            figures.append((label, "source, first run", "", f"{took:.1f} s", ""))
            for what, honour in (("re-run, 304", True), ("re-run, no conditional GET", False)):
                serve.honour_etag = honour
                started = time.perf_counter()
                result = runner.invoke(args=["imports", "run", "--source", source_id])
                took = time.perf_counter() - started
                if result.exit_code != 0:
                    raise SystemExit(f"source run failed:\n{result.output}")
                figures.append((label, f"unchanged source {what}", "", f"{took:.2f} s", ""))
        finally:
            serve.close()
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", nargs="?", type=int, default=10_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--workers", help="HTPM_IMPORT_WORKERS for the imports (default: one per core)"
    )
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
            "SQLite", f"sqlite:///{tmp / 'bench.sqlite3'}", tmp / "i1", ics, csv_path, n,
            args.workers,
        )  # fmt: skip
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
                    figures += run_on(
                        "PostgreSQL", f"{base}/bench", tmp / "i2", ics, csv_path, n,
                        args.workers, cluster.data,
                    )  # fmt: skip
                finally:
                    cluster.stop()
    width = max(len(f[1]) for f in figures)
    print(f"\n{'database':<11} {'what':<{width}} {'rate':>15} {'time':>8}  CPU ms/event")
    for label, what, rate, took, cpu in figures:
        print(f"{label:<11} {what:<{width}} {rate:>15} {took:>8}  {cpu}")
    print("CPU ms/event: the importing process / its worker processes / the PostgreSQL server")


if __name__ == "__main__":
    main()
