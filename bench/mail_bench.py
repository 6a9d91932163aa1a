"""Mail benchmark (issue #9): how fast workers empty the outbox, and that a submission no
longer waits for the mail server.

1. Delivery: ``--messages`` (default 1 000) messages are queued in one transaction, then 1 and
   then 2 ``flask worker`` processes deliver them to an SMTP server (aiosmtpd) on loopback;
   messages/s from the first worker's start to the last message marked sent. On SQLite (the
   embedded queue, a SQLite file) and on PostgreSQL (a throwaway cluster from initdb/pg_ctl,
   with the queue on Debian's redis-server), as in production.
2. Submission: ``--posts`` (default 100) POST /submit under ``gunicorn -w 2`` with one worker
   running, p50/p95 with the SMTP server up, stopped, and answering each message after 5 s.
   The three must agree within noise: the request only writes the outbox.

Reproduce (from the repository root, after ``make install-test``):

    .venv/bin/python bench/mail_bench.py
    .venv/bin/python bench/mail_bench.py --messages 200 --posts 30 --sqlite-only   # quick
"""

from __future__ import annotations

import argparse
import asyncio
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
from tests.submissions.helpers import form  # noqa: E402


class Smtp:
    """aiosmtpd on loopback that counts what it accepts; ``delay`` answers DATA late."""

    def __init__(self):
        self.port = free_port()
        self.count = 0
        self.delay = 0.0
        self.lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.count += 1
        return "250 OK"

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


def base_env(database_url: str, instance: Path, smtp: Smtp, redis_url: str | None) -> dict:
    return child_env(
        DATABASE_URL=database_url,
        HTPM_INSTANCE_PATH=instance,
        SECRET_KEY="bench-secret",
        HTPM_RATELIMITS="off",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        HTPM_MAIL_RETRY_SECONDS="1",
        REDIS_URL=redis_url,
    )


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def sql(env: dict, statement: str) -> int:
    """One scalar from the benchmark's database (through the app's engine)."""
    code = (
        "import sqlalchemy as sa, sys\n"
        "from htpm_events import create_app\nfrom htpm_events.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    print(db.session.scalar(sa.text({statement!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return int(out.stdout.strip() or 0)


def queue_messages(env: dict, count: int) -> float:
    """Queue ``count`` messages in one transaction; the monotonic time of its commit."""
    code = (
        "import time\n"
        "from htpm_events import create_app\nfrom htpm_events.extensions import db\n"
        "from htpm_events.mail import queue_mail\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    for n in range({count}):\n"
        "        queue_mail(f'person{n}@example.org', f'Message {n}', 'Hello. ' * 40)\n"
        "    db.session.commit()\n"
        "    print(time.monotonic())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def delivery(env: dict, workdir: Path, smtp: Smtp, count: int, workers: int) -> float:
    """Workers started and idle first; timed from the commit that queues ``count`` messages
    to the last one accepted by the SMTP server."""
    logs = [workdir / f"worker-{workers}-{n}-{time.monotonic_ns()}.log" for n in range(workers)]
    processes = [
        start([str(VENV_BIN / "flask"), "--app", "app", "worker", "--threads", "2"], env, log)
        for log in logs
    ]
    try:
        deadline = time.monotonic() + 60
        while not all("Worker:" in log.read_text() for log in logs):
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not start")
            time.sleep(0.05)
        time.sleep(1.0)  # their start-up sweeps are done
        before = smtp.count
        committed = queue_messages(env, count)
        deadline = time.monotonic() + 600
        while smtp.count - before < count and time.monotonic() < deadline:
            time.sleep(0.005)
        elapsed = time.monotonic() - committed
    finally:
        for process in processes:
            stop(process)
    pending = sql(env, "SELECT count(*) FROM outbox_messages WHERE status <> 'sent'")
    if smtp.count - before != count or pending:
        raise SystemExit(f"{smtp.count - before} of {count} delivered, {pending} not sent")
    return count / elapsed


def post_times(port: int, posts: int) -> list[float]:
    body = urllib.parse.urlencode(form(), doseq=True)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    times = []
    for _ in range(posts):
        connection = HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        connection.request("POST", "/submit", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        connection.close()
        if response.status != 303:
            raise SystemExit(f"POST /submit answered {response.status}")
    return times


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


def submissions(env: dict, workdir: Path, smtp: Smtp, posts: int) -> dict[str, list[float]]:
    (Path(env["HTPM_INSTANCE_PATH"]) / "config.py").write_text("WTF_CSRF_ENABLED = False\n")
    port = free_port()
    web = start(
        [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "app:app"],
        env,
        workdir / "gunicorn.log",
    )
    worker = start(
        [str(VENV_BIN / "flask"), "--app", "app", "worker"], env, workdir / "worker-posts.log"
    )
    results = {}
    try:
        wait_for_port(port)
        post_times(port, 10)  # warm both gunicorn workers
        smtp.start()
        results["SMTP up"] = post_times(port, posts)
        smtp.stop()
        results["SMTP stopped"] = post_times(port, posts)
        smtp.delay = 5.0
        smtp.start()
        results["SMTP answering after 5 s"] = post_times(port, posts)
    finally:
        stop(worker)
        stop(web)
        smtp.stop()
        smtp.delay = 0.0
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def redis_server(workdir: Path) -> tuple[subprocess.Popen | None, str | None]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(binary):
        return None, None
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="htpm-mail-bench-"))
    smtp = Smtp()
    rows = []
    cluster = redis = None
    try:
        setups = [("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", None)]
        if not args.sqlite_only:
            cluster = Cluster(workdir / "pg")
            if cluster.available:
                base = cluster.start()
                import sqlalchemy as sa

                engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
                with engine.connect() as conn:
                    conn.execute(sa.text("CREATE DATABASE bench"))
                engine.dispose()
                redis, redis_url = redis_server(workdir)
                setups.append(("PostgreSQL + Redis", f"{base}/bench", redis_url))
            else:
                print("PostgreSQL is not installed: only SQLite is measured.")
        for name, url, redis_url in setups:
            instance = workdir / f"instance-{name.split()[0]}"
            env = base_env(url, instance, smtp, redis_url)
            flask(env, "db", "upgrade")
            smtp.start()
            one = delivery(env, workdir, smtp, args.messages, 1)
            two = delivery(env, workdir, smtp, args.messages, 2)
            smtp.stop()
            posted = submissions(env, workdir, smtp, args.posts)
            rows.append((name, one, two, posted))
    finally:
        smtp.stop()
        if redis is not None:
            stop(redis)
        if cluster is not None and cluster.available:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nDelivery of {args.messages} queued messages to loopback SMTP (messages/s)\n")
    print("| database | 1 worker | 2 workers |\n|---|---:|---:|")
    for name, one, two, _ in rows:
        print(f"| {name} | {one:.0f} | {two:.0f} |")
    print(f"\nPOST /submit under gunicorn -w 2 with a worker running, {args.posts} posts (ms)\n")
    print("| database | mail server | p50 | p95 |\n|---|---|---:|---:|")
    for name, _, _, posted in rows:
        for mode, times in posted.items():
            print(
                f"| {name} | {mode} | {statistics.median(times):.1f} | "
                f"{percentile(times, 0.95):.1f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
