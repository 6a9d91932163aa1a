"""Background work through one door: the task queue (Huey) and the jobs that run on it.

The queue is embedded by default (a SQLite file under ``instance/``, named after the
database, so two installations in one checkout never share it) and lives in Redis when
``REDIS_URL`` is set (several hosts; its keys are also named after the database).
``HTPM_QUEUE=immediate`` runs every job at once in the process that asks for it (tests).

Jobs live with their domain, in ``<domain>/jobs.py``, declared with :func:`job` (run when
asked) or :func:`scheduled` (run every so often by any worker, once per interval however many
workers there are). A job takes ids, never ORM objects; it runs in an app context of its own;
it claims its rows in the database, so that running it twice, or on two workers at once, has
its effect once. A job that fails is logged with its traceback and never stops the worker.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app

log = logging.getLogger(__name__)

#: The modules that declare jobs (imported when the queue is set up).
JOB_MODULES = (
    "htpm_events.outbox.jobs",
    "htpm_events.feeds.jobs",
    "htpm_events.registration.jobs",
    "htpm_events.importers.jobs",
    "htpm_events.events.jobs",
)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable
    #: How often a scheduled job runs; None for a job that runs only when asked.
    every: timedelta | None = None
    #: How long a worker's claim on a scheduled job holds (then another may run it).
    lease: timedelta = timedelta(minutes=10)
    #: One line for ``flask jobs list`` and the status page.
    doc: str = ""

    @property
    def when(self) -> str:
        """ "every hour", "every 5 minutes", … or "when asked"."""
        if self.every is None:
            return "when asked"
        for unit, seconds in (("day", 86400), ("hour", 3600), ("minute", 60)):
            count, rest = divmod(int(self.every.total_seconds()), seconds)
            if count and not rest:
                return f"every {unit}" if count == 1 else f"every {count} {unit}s"
        return f"every {int(self.every.total_seconds())} seconds"


JOBS: dict[str, Job] = {}


def _declare(name: str, every: timedelta | None, lease: timedelta) -> Callable:
    def decorate(func: Callable) -> Callable:
        doc = (func.__doc__ or "").strip().splitlines()
        JOBS[name] = Job(name, func, every, lease, doc[0] if doc else "")
        return func

    return decorate


def job(name: str) -> Callable:
    """Declare a job that runs when :func:`enqueue` asks for it."""
    return _declare(name, None, timedelta(minutes=10))


def scheduled(name: str, every: timedelta, lease: timedelta = timedelta(minutes=10)) -> Callable:
    """Declare a job that runs every ``every`` (at most once a minute), on one worker."""
    return _declare(name, every, lease)


def load_jobs() -> dict[str, Job]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return JOBS


def queue_name(config) -> str:
    """Named after the database: a queue belongs to one installation."""
    digest = hashlib.sha256(config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
    return f"htpm-{digest}"


def make_huey(config):
    from huey import RedisHuey, SqliteHuey

    name = queue_name(config)
    immediate = str(config.get("HTPM_QUEUE") or "").lower() == "immediate"
    if config.get("REDIS_URL") and not immediate:
        from redis import ConnectionPool

        # Short timeouts: a Redis outage must not hold a web request (the outbox keeps the
        # mail; the periodic sweep sends it). Longer than Huey's 1 s blocking read.
        pool = ConnectionPool.from_url(
            config["REDIS_URL"],
            socket_timeout=5,
            socket_connect_timeout=2,
            health_check_interval=30,
        )
        return RedisHuey(name, results=False, connection_pool=pool)
    filename = Path(config["INSTANCE_PATH"]) / f"queue-{name}.sqlite3"
    return SqliteHuey(name, results=False, filename=str(filename), immediate=immediate)


def init_app(app: Flask) -> None:
    from huey import crontab

    huey = make_huey(app.config)
    tasks = {}
    for item in load_jobs().values():
        tasks[item.name] = huey.task(name=item.name)(_in_app_context(app, item))
        if item.every is not None:
            huey.periodic_task(crontab(), name=f"{item.name}.schedule")(
                _scheduled_in_app_context(app, item)
            )
    app.extensions["huey"] = huey
    app.extensions["htpm_tasks"] = tasks


def _in_app_context(app: Flask, item: Job) -> Callable:
    def run(*args):
        with app.app_context():
            if item.every is not None:
                return run_scheduled(item, force=True)
            return run_job(item, *args)

    run.__name__ = item.name
    return run


def _scheduled_in_app_context(app: Flask, item: Job) -> Callable:
    def run():
        with app.app_context():
            return run_scheduled(item)

    run.__name__ = f"{item.name}.schedule"
    return run


def run_job(item: Job, *args):
    from ..extensions import db

    try:
        result = item.func(*args)
    except Exception:
        db.session.rollback()
        log.exception("Job %s%r failed; it runs again on its next turn", item.name, args)
        return None
    if result:
        log.info("%s: %s", item.name, result)
    return result


def run_scheduled(item: Job, force: bool = False) -> str | None:
    """Run a scheduled job if it is due and no other worker runs it; record how it went."""
    from .runs import claim, finish

    token = claim(item, force=force)
    if token is None:
        return None
    return finish(item, token)


def enqueue(name: str, *args, delay: float | None = None) -> bool:
    """Ask a worker to run a job. Never raises: when the queue cannot be reached (Redis
    down), the work waits for the job's periodic sweep and the caller goes on."""
    task = current_app.extensions["htpm_tasks"][name]
    try:
        if delay:
            task.schedule(args, delay=delay)
        else:
            task(*args)
        return True
    except Exception:
        log.warning("Could not queue job %s; its periodic sweep will do it", name, exc_info=True)
        return False


def huey_of(app: Flask | None = None):
    return (app or current_app).extensions["huey"]
