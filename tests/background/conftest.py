"""Real parts for the background work: Debian's redis-server on a loopback port, an SMTP
server (aiosmtpd) that can be stopped, started, slowed and made to refuse recipients, and
``flask worker`` processes on the test's database."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ..pg import free_port
from ..processes import child_env

REQUIRE_REDIS = os.environ.get("HTPM_REQUIRE_REDIS") == "1"
ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# --- Redis ---------------------------------------------------------------------------------


class RedisServer:
    """Debian's redis-server on a loopback port, that a test may stop and start again."""

    def __init__(self, folder):
        self.binary = shutil.which("redis-server") or (
            "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
        )
        if self.binary is None:
            message = "redis-server is not installed: `make test` installs it where it can"
            if REQUIRE_REDIS:
                pytest.fail(message)
            pytest.skip(message)
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.folder), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from redis import Redis

        client = Redis(host="127.0.0.1", port=self.port)

        def answers():
            try:
                return client.ping()
            except Exception:
                return False

        wait_for(answers, 20, what="redis-server")
        client.close()
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of this test's own, to stop and start."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


# --- SMTP ----------------------------------------------------------------------------------


class Smtp:
    """A loopback SMTP server the test starts and stops; it keeps every message it accepted
    across restarts."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        #: Recipients answered with 550 (a permanent refusal).
        self.refuse: set[str] = set()
        #: Recipients answered with 450 (try again later).
        self.defer: set[str] = set()
        #: Seconds to wait before accepting each recipient (a slow server).
        self.delay = 0.0
        self.controller = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if address in self.defer:
            return "450 4.2.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def start(self) -> Smtp:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if address in m.envelope_to]

    def ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


@pytest.fixture
def smtp():
    """Not started: each test starts it when its story says so."""
    server = Smtp()
    yield server
    server.stop()


# --- workers -------------------------------------------------------------------------------


class Worker:
    """``flask worker`` in a process of its own, as production runs it."""

    def __init__(self, env: dict, log: Path):
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.handle = open(self.log, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker", "--threads", "2"],
            cwd=ROOT,
            env=self.env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """kill -9: no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None:
            self.handle.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def workers(database_url, tmp_path):
    """Start workers on this test's database: ``workers(smtp, redis_url=None, n=1)``."""
    started: list[Worker] = []

    def start(smtp: Smtp | None, redis_url: str | None = None, n: int = 1, **extra):
        env = child_env(
            DATABASE_URL=database_url,
            HTPM_INSTANCE_PATH=tmp_path / "instance",
            SECRET_KEY="test-secret",
            HTPM_BASE_URL="http://localhost",
            HTPM_MAIL_RETRY_SECONDS="0.5",
            MAIL_SERVER="127.0.0.1" if smtp is not None else None,
            MAIL_PORT=smtp.port if smtp is not None else None,
            REDIS_URL=redis_url or None,
            **extra,
        )
        made = [Worker(env, tmp_path / f"worker-{len(started) + i}.log").start() for i in range(n)]
        started.extend(made)
        return made

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def queue_app(make_app, smtp, tmp_path):
    """The web side with a real queue (not immediate) and mail to the test's SMTP server."""

    def build(redis_url: str | None = None, **overrides):
        config = {
            "HTPM_QUEUE": "",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
            "HTPM_MAIL_RETRY_SECONDS": 0.5,
            "REDIS_URL": redis_url,
        }
        config.update(overrides)
        return make_app(**config)

    return build
