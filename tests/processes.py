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
