"""The environment of a process a test (or benchmark) starts: this one's, without any
setting of the hub's own, plus the given ones (so nothing leaks in from the shell)."""

from __future__ import annotations

import os

OWN = ("FLASK_", "HTPM_", "MAIL_", "REDIS_", "DATABASE_")


def child_env(**settings) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(OWN)}
    env["PYTHONUNBUFFERED"] = "1"
    env.update({key: str(value) for key, value in settings.items() if value is not None})
    return env


def start_gunicorn(database_url: str, instance, *options: str):
    """The app under a real ``gunicorn`` (``options``: its worker flags) on a free loopback
    port, once /healthz answers: (process, port). Stop it with ``os.killpg``."""
    import signal
    import subprocess
    import sys
    import time
    from http.client import HTTPConnection
    from pathlib import Path

    from .pg import free_port

    instance.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = child_env(
        DATABASE_URL=database_url,
        HTPM_INSTANCE_PATH=instance,
        SECRET_KEY="test-secret",
        HTPM_RATELIMITS="off",
        HTPM_BASE_URL="http://localhost",
    )
    command = [str(Path(sys.executable).parent / "gunicorn"), *options]
    process = subprocess.Popen(
        [*command, "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        connection = HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError("gunicorn did not start")
