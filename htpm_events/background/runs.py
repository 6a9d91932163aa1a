"""Claims and records of scheduled jobs: one row per job in ``job_runs``.

A worker runs a scheduled job only after claiming its row with one UPDATE (atomic on SQLite
and on PostgreSQL): not while another worker's claim holds, and not again before its interval
has passed. A worker killed mid-run leaves its claim to expire; the next turn runs the job.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import now_utc
from . import Job
from .models import JobRun

log = logging.getLogger(__name__)

#: Periodic turns come once a minute, a little early or late: a job due every minute must not
#: skip a turn because the last one started a second later than this one.
SLACK = timedelta(seconds=30)


def ensure_row(name: str) -> None:
    if db.session.get(JobRun, name) is None:
        try:
            db.session.add(JobRun(name=name))
            db.session.commit()
        except IntegrityError:  # another worker created it first
            db.session.rollback()


def claim(item: Job, force: bool = False) -> str | None:
    """The claim's token, or None when the job is not due or another worker runs it."""
    ensure_row(item.name)
    now = now_utc()
    token = secrets.token_hex(16)
    free = sa.or_(JobRun.lease_until.is_(None), JobRun.lease_until < now)
    conditions = [JobRun.name == item.name, free]
    if not force and item.every is not None:
        due_before = now - item.every + SLACK
        conditions.append(sa.or_(JobRun.last_started.is_(None), JobRun.last_started <= due_before))
    claimed = db.session.execute(
        sa.update(JobRun)
        .where(*conditions)
        .values(lease_token=token, lease_until=now + item.lease, last_started=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return token if claimed else None


def finish(item: Job, token: str) -> str | None:
    """Run the claimed job and record its result (or its error, logged with the traceback)."""
    started = time.monotonic()
    try:
        result = item.func()
        ok, text = True, str(result) if result is not None else "done"
        log.info("%s: %s", item.name, text)
    except Exception as exc:
        db.session.rollback()
        log.exception("Scheduled job %s failed; it runs again on its next turn", item.name)
        ok, text, result = False, f"{type(exc).__name__}: {exc}"[:2000], None
    elapsed = int((time.monotonic() - started) * 1000)
    db.session.execute(
        sa.update(JobRun)
        .where(JobRun.name == item.name, JobRun.lease_token == token)
        .values(
            lease_token=None,
            lease_until=None,
            last_finished=now_utc(),
            last_duration_ms=elapsed,
            last_ok=ok,
            last_result=text,
            runs=JobRun.runs + 1,
            failures=JobRun.failures + (0 if ok else 1),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return text if ok else None


def all_runs() -> dict[str, JobRun]:
    return {run.name: run for run in db.session.scalars(sa.select(JobRun))}
