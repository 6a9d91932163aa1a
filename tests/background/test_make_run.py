"""`make run` starts the web server and a worker together: pages are served and mail is
delivered with no other step; Ctrl-C stops both; when one dies the other is stopped too."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from htpm_events import create_app
from htpm_events.extensions import db
from htpm_events.mail import queue_mail

from ..conftest import base_config
from ..pg import free_port
from ..processes import child_env
from .conftest import ROOT, wait_for


def gone(pid: int) -> bool:
    """Exited (a zombie waiting for a parent that will not reap it counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return bool(re.search(r"^State:\s+Z", state, re.M))


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class MakeRun:
    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.instance = tmp_path / "instance"
        self.database = f"sqlite:///{tmp_path / 'run.sqlite3'}"
        self.log = tmp_path / "make-run.log"
        env = child_env(DATABASE_URL=self.database, HTPM_INSTANCE_PATH=self.instance)
        self.handle = open(self.log, "wb")  # noqa: SIM115 (closed in stop)
        # A session of its own, like a terminal's foreground job: Ctrl-C reaches the group.
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={self.port}"],
            cwd=ROOT,
            env=env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pids(self) -> dict[str, int]:
        found = re.findall(r"(web|worker)\.1 started \(pid=(\d+)\)", self.output())
        return {name: int(pid) for name, pid in found}

    def ctrl_c(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        for pid in self.pids().values():
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
        self.handle.close()


@pytest.fixture
def make_run(tmp_path):
    run = MakeRun(tmp_path)
    yield run
    run.stop()


def started(run: MakeRun) -> dict[str, int]:
    wait_for(lambda: answers(run.url + "/healthz"), timeout=120, what="the web server")
    return wait_for(
        lambda: (pids := run.pids()) and len(pids) == 2 and pids,
        timeout=30,
        what="both processes",
    )


def test_make_run_serves_pages_and_delivers_mail_and_ctrl_c_stops_both(make_run):
    pids = started(make_run)
    assert answers(make_run.url + "/events")

    # Mail queued by the app is delivered by the worker `make run` started (to files here).
    app = create_app(
        base_config(make_run.database, make_run.instance, HTPM_QUEUE="", TESTING=False)
    )
    with app.app_context():
        queue_mail("someone@example.org", "Delivered by make run's worker", "Hello.")
        db.session.commit()
        db.engine.dispose()
    mail = make_run.instance / "mail"
    wait_for(lambda: list(mail.glob("*.eml")), timeout=30, what="the worker's .eml file")
    [path] = mail.glob("*.eml")
    assert b"Delivered by make run's worker" in path.read_bytes()

    make_run.ctrl_c()
    make_run.process.wait(30)
    wait_for(lambda: all(gone(pid) for pid in pids.values()), timeout=15, what="both exited")
    assert not answers(make_run.url + "/healthz")


def test_when_the_worker_dies_make_run_stops_the_web_server_too(make_run):
    pids = started(make_run)
    os.kill(pids["worker"], signal.SIGKILL)
    make_run.process.wait(30)
    assert make_run.process.returncode != 0
    wait_for(lambda: gone(pids["web"]), timeout=15, what="the web server stopped")
    time.sleep(0.2)
    assert not answers(make_run.url + "/healthz")
