"""Public pages benchmark (issues #5 and #12): the lists, the API, the widget and the month
grid at 1 000, 10 000 and 100 000 events, on SQLite and PostgreSQL, next to a minimal Flask
app under the same gunicorn.

For each database and each size N it
  1. writes N events shaped like a real January (``bench/january.py``: 1–2 KB descriptions,
     5 % weekly series, 5 % multi-day, 10 % all-day, 6 % on-demand, 70 % in January 2027),
  2. builds a fresh database (``flask db upgrade``; PostgreSQL in a throwaway cluster, as
     the tests start one) and loads the file with ``flask imports file … --trusted``,
  3. starts ``gunicorn -w 2 app:app`` (sync workers, ``HTPM_RATELIMITS=off``) and, on
     another port, ``gunicorn -w 2`` serving a minimal Flask app that answers the bytes of
     the /events page from memory,
  4. for each URL: warms both workers, sends ``--requests`` requests from ``--clients``
     client threads (one connection per request), each client asking the app and then the
     minimal app in turn (so both meet the same other load), and prints p50, p95 and the
     ratio of the two p50s (ratios first: the machine is shared; growth is given for the
     p50 and for the ratio),
  5. prints each app worker's resident memory (VmRSS) after the run,
  6. measures the same URLs again on an app started with ``HTPM_PAGE_CACHE_SECONDS=0``
     (every page built, as for the first visitor after a public change; the first table
     is what repeated anonymous requests get: pages kept per worker, see
     ``htpm_events/pagecache.py``), and each page's CPU in-process, built and kept (the
     app's own work, without the HTTP round trip and the machine's noise).

Run from the repository root (the test extras installed; PostgreSQL from Debian's
``postgresql`` package, skipped with a message when missing):

    .venv/bin/python bench/calendar_bench.py 1000 10000          # both databases
    .venv/bin/python bench/calendar_bench.py 100000 --databases sqlite
    .venv/bin/python bench/calendar_bench.py 1000 --requests 30   # a quick check

Targets (issue #12): p50 ≤ 30 ms (the month grid ≤ 50 ms) at 10 000 events and at most
1.2× that at 100 000; worker RSS ≤ 150 MB at 100 000 events.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from january import write_csv  # noqa: E402

BIN = Path(sys.executable).parent
URLS = {
    "/events": "/events",
    "/events filtered": "/events?level=state&format=virtual&topic=child-trafficking",
    "/api/v1/events": "/api/v1/events",
    "/embed/events": "/embed/events",
    "/calendar/2027/1": "/calendar/2027/1",
}
MINIMAL_APP = """
import os
from flask import Flask

app = Flask(__name__)
BODY = open(os.environ["BENCH_BODY"], "rb").read()


@app.get("/")
def index():
    return BODY, 200, {"Content-Type": "text/html; charset=utf-8"}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}: {body[:300]!r}")
    finally:
        connection.close()
    return (time.perf_counter() - started) * 1000, body


def timed(port: int, path: str) -> float:
    return get(port, path)[0]


def wait_until_up(port: int, server: subprocess.Popen, path: str, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before it served a request")
        try:
            get(port, path)
            return
        except (OSError, RuntimeError):
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {path}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def gunicorn(app: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    command = [str(BIN / "gunicorn"), "-w", "2", "--bind", f"127.0.0.1:{port}",
               "--timeout", "600", "--log-level", "warning", app]  # fmt: skip
    return subprocess.Popen(command, cwd=cwd, env=env)


def stop(server: subprocess.Popen | None) -> None:
    if server is None:
        return
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()


def worker_rss_mb(master: subprocess.Popen) -> list[float]:
    """Resident memory of the gunicorn master's workers (Linux /proc)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master.pid):
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def measure(port: int, path: str, requests: int, clients: int) -> list[float]:
    for _ in range(4):  # warm both workers
        get(port, path)
    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(timed, [port] * requests, [path] * requests))


def measure_beside(
    port: int, path: str, minimal_port: int, requests: int, clients: int
) -> tuple[list[float], list[float]]:
    """Latencies of ``path`` and of the minimal app, each client asking one then the other,
    so that both meet the same load from the rest of the machine."""
    for _ in range(4):  # warm both workers of each
        get(port, path)
        get(minimal_port, "/")

    def pair(_):
        return timed(port, path), timed(minimal_port, "/")

    with ThreadPoolExecutor(clients) as pool:
        pairs = list(pool.map(pair, range(requests)))
    return [a for a, _ in pairs], [b for _, b in pairs]


IN_PROCESS = """
import json, statistics, sys, time
from app import app
client = app.test_client()
out = {}
for path in json.loads(sys.argv[1]):
    for _ in range(3):
        client.get(path)
    cpu, wall = [], []
    for _ in range(int(sys.argv[2])):
        c, w = time.process_time(), time.perf_counter()
        client.get(path)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    out[path] = [statistics.median(cpu), statistics.median(wall)]
print(json.dumps(out))
"""


def in_process(env: dict, repeat: int) -> dict[str, tuple[float, float]]:
    """Median CPU and wall milliseconds per request of each URL, in one process through
    Flask's test client: the app's own work, less sensitive than latency to other load on
    the machine (PostgreSQL's share of the work runs in its server, not counted as CPU)."""
    import json

    done = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, json.dumps(list(URLS.values())), str(repeat)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {name: tuple(found[path]) for name, path in URLS.items()}


def load(env: dict, n: int, csv_path: Path) -> float:
    flask = str(BIN / "flask")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    began = time.perf_counter()
    subprocess.run([flask, "imports", "file", str(csv_path), "--trusted"], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - began


def run_one(label: str, url: str, n: int, csv_path: Path, folder: Path, args) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HTPM_INSTANCE_PATH": str(folder),
        "DATABASE_URL": url,
        "HTPM_RATELIMITS": "off",
        "SECRET_KEY": "bench",
        "PYTHONWARNINGS": "ignore",
    }
    if csv_path is None:
        subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
        print(f"  {label}, the database as it is, migrated ({url})", flush=True)
    else:
        took = load(env, n, csv_path)
        print(f"  {label}, {n} events imported in {took:.0f} s", flush=True)
    app_port, minimal_port = free_port(), free_port()
    server = minimal = None
    try:
        server = gunicorn("app:app", app_port, env, ROOT)
        wait_until_up(app_port, server, "/healthz")
        body = folder / "events-page.html"
        body.write_bytes(get(app_port, "/events")[1])
        (folder / "minimal_app.py").write_text(MINIMAL_APP)
        minimal = gunicorn("minimal_app:app", minimal_port, {**env, "BENCH_BODY": str(body)},
                           folder)  # fmt: skip
        wait_until_up(minimal_port, minimal, "/")
        results = {}
        for name, path in URLS.items():
            times, base = measure_beside(app_port, path, minimal_port, args.requests, args.clients)
            p50, p95, base50 = (statistics.median(times), percentile(times, 0.95),
                                statistics.median(base))  # fmt: skip
            results[name] = (p50, p95, base50)
            print(
                f"    {name:<20} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"minimal Flask p50 {base50:5.1f} ms  ratio {p50 / base50:5.1f}",
                flush=True,
            )
        results["rss"] = worker_rss_mb(server)
        print(f"    worker RSS after the run: {', '.join(f'{r:.0f}' for r in results['rss'])} MB")
        stop(server)
        # The same requests with every page built (no page kept in memory): what the first
        # visitor after each public change waits for.
        built_env = {**env, "HTPM_PAGE_CACHE_SECONDS": "0"}
        server = gunicorn("app:app", app_port, built_env, ROOT)
        wait_until_up(app_port, server, "/healthz")
        results["built"] = {}
        for name, path in URLS.items():
            times = measure(app_port, path, args.requests, args.clients)
            results["built"][name] = (statistics.median(times), percentile(times, 0.95))
            print(
                f"    built every time {name:<20} p50 {results['built'][name][0]:7.1f} ms  "
                f"p95 {results['built'][name][1]:7.1f} ms",
                flush=True,
            )
        results["rss built"] = worker_rss_mb(server)
        stop(server)
        server = None
        results["cpu"] = in_process(built_env, args.in_process)
        for name, (cpu, wall) in results["cpu"].items():
            print(f"    in-process, built: {name:<20} CPU {cpu:6.1f} ms  wall {wall:6.1f} ms",
                  flush=True)  # fmt: skip
        results["cpu kept"] = in_process(env, args.in_process)
        for name, (cpu, wall) in results["cpu kept"].items():
            print(f"    in-process, kept: {name:<20} CPU {cpu:6.2f} ms  wall {wall:6.2f} ms",
                  flush=True)  # fmt: skip
        return results
    finally:
        stop(server)
        stop(minimal)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000])
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")  # fmt: skip
    parser.add_argument("--requests", type=int, default=200, help="per URL (default 200)")
    parser.add_argument("--clients", type=int, default=2,
                        help="client threads (default 2: one per gunicorn worker)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--in-process", type=int, default=30,
                        help="requests per URL measured in-process (default 30)")  # fmt: skip
    parser.add_argument("--database-url", help="measure this loaded database (no import); "
                        "the single size given names it")  # fmt: skip
    args = parser.parse_args()
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if args.database_url:
        kind = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"
        n = args.sizes[0]
        folder = Path(tempfile.mkdtemp(prefix="htpm-calendar-bench-"))
        try:
            result = run_one(kind, args.database_url, n, None, folder, args)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print_table({(kind, n): result}, [kind], [n], args)
        return

    tmp = Path(tempfile.mkdtemp(prefix="htpm-calendar-bench-"))
    table: dict[tuple[str, int], dict] = {}
    cluster = None
    try:
        files = {}
        for n in args.sizes:
            files[n] = tmp / f"january-{n}.csv"
            write_csv(files[n], n)
        for kind in kinds:
            if kind == "postgresql":
                from pg import Cluster

                cluster = Cluster(tmp / "pg")
                if not cluster.available:
                    print("PostgreSQL (initdb/pg_ctl) is not installed: skipped.")
                    continue
                base = cluster.start()
                import sqlalchemy as sa

                engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
            for n in args.sizes:
                if kind == "sqlite":
                    url = f"sqlite:///{tmp / f'sqlite-{n}' / 'htpm.sqlite3'}"
                else:
                    with engine.connect() as conn:
                        conn.execute(sa.text(f"CREATE DATABASE bench_{n}"))
                    url = f"{base}/bench_{n}"
                table[kind, n] = run_one(kind, url, n, files[n], tmp / f"{kind}-{n}", args)
            if cluster is not None:
                engine.dispose()
                cluster.stop()
                cluster = None
    finally:
        if cluster is not None:
            cluster.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print_table(table, kinds, args.sizes, args)


def print_table(table: dict, kinds: list[str], all_sizes: list[int], args) -> None:
    print()
    print(
        f"gunicorn -w 2, {args.requests} requests per URL from {args.clients} client threads; "
        "p50 / p95 in ms; ratio = p50 ÷ the minimal Flask app's p50, each client asking "
        "both in turn"
    )
    for kind in kinds:
        sizes = [n for n in all_sizes if (kind, n) in table]
        if not sizes:
            continue
        head = f"| {kind} | " + " | ".join(f"N={n:,} p50 / p95 (ratio)" for n in sizes)
        if len(sizes) > 1:
            head += f" | growth {sizes[0]:,} → {sizes[-1]:,} (of the ratio)"
        print(head + " |")
        print("|---|" + "---:|" * (len(sizes) + (len(sizes) > 1)))
        for name in URLS:
            cells = [
                f"{table[kind, n][name][0]:.1f} / {table[kind, n][name][1]:.1f} "
                f"({table[kind, n][name][0] / table[kind, n][name][2]:.1f}×)"
                for n in sizes
            ]
            if len(sizes) > 1:
                first, last = table[kind, sizes[0]][name], table[kind, sizes[-1]][name]
                cells.append(
                    f"{last[0] / first[0]:.2f}× ({last[0] / last[2] / (first[0] / first[2]):.2f}×)"
                )
            print(f"| `{URLS[name]}` | " + " | ".join(cells) + " |")
        for name in URLS:
            cells = [
                f"{table[kind, n]['built'][name][0]:.1f} / {table[kind, n]['built'][name][1]:.1f}"
                for n in sizes
            ]
            if len(sizes) > 1:
                first = table[kind, sizes[0]]["built"][name][0]
                cells.append(f"{table[kind, sizes[-1]]['built'][name][0] / first:.2f}×")
            print(f"| `{URLS[name]}` built every time | " + " | ".join(cells) + " |")
        for measured, label, digits in (("cpu", "built", 1), ("cpu kept", "kept", 2)):
            for name in URLS:
                cells = [f"{table[kind, n][measured][name][0]:.{digits}f}" for n in sizes]
                if len(sizes) > 1:
                    first = table[kind, sizes[0]][measured][name][0]
                    cells.append(f"{table[kind, sizes[-1]][measured][name][0] / first:.2f}×")
                print(f"| `{URLS[name]}` {label}, in-process CPU ms | " + " | ".join(cells) + " |")
        rss = [", ".join(f"{r:.0f}" for r in table[kind, n]["rss"]) + " MB" for n in sizes]
        print(
            "| worker RSS after the run | "
            + " | ".join(rss)
            + (" |  |" if len(sizes) > 1 else " |")
        )
        print()


if __name__ == "__main__":
    main()
