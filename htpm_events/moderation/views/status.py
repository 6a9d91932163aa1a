"""Admins: how the background work is doing (``/moderate/status``) and the mail that could
not be sent, with a retry button (``/moderate/outbox``)."""

import logging

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ... import background
from ...accounts.decorators import admin_required
from ...background.runs import all_runs
from ...db import MAX_ID
from ...extensions import db
from ...outbox.models import FAILED, PENDING, OutboxMessage
from ...outbox.services import counts, oldest_pending, retry
from ...vocab import N_
from . import bp

log = logging.getLogger(__name__)

PER_PAGE = 100

#: What each job does, as the status page tells moderators (the docstrings stay for
#: ``flask jobs list``, in English).
JOB_DESCRIPTIONS = {
    "feeds.clean": N_(
        "Deletes cached feeds not rebuilt for 2 days (filters nobody polls any more)."
    ),
    "imports.poll": N_("Runs each import source that is due, once."),
    "links.check": N_("Checks the external registration links of upcoming events."),
    "mail.clean": N_("Deletes sent messages after 7 days and failed ones after 30."),
    "mail.deliver": N_("Sends the messages that are due."),
    "mail.sweep": N_("Sends whatever is due (mail queued while the queue could not be reached)."),
    "occurrences.extend": N_("Keeps imported series without an end date listed two years ahead."),
    "registrations.purge": N_(
        "Deletes attendee data HTPM_REGISTRATION_RETENTION_DAYS days after an event ends."
    ),
    "registrations.remind": N_(
        "Sends the reminder e-mail, about a day before each registered date."
    ),
}


def job_description(job) -> str:
    return _(JOB_DESCRIPTIONS[job.name]) if job.name in JOB_DESCRIPTIONS else job.doc


def job_when(job) -> str:
    """ "every hour", "every 5 minutes", … or "when asked", in the page's language."""
    if job.every is None:
        return _("when asked")
    seconds = int(job.every.total_seconds())
    if seconds % 86400 == 0:
        return ngettext("every day", "every %(num)d days", seconds // 86400)
    if seconds % 3600 == 0:
        return ngettext("every hour", "every %(num)d hours", seconds // 3600)
    if seconds % 60 == 0:
        return ngettext("every minute", "every %(num)d minutes", seconds // 60)
    return ngettext("every second", "every %(num)d seconds", seconds)


def check(probe) -> tuple[bool, str]:
    try:
        return True, probe()
    except Exception as exc:  # the page reports the fault instead of failing with it
        return False, f"{type(exc).__name__}: {exc}"


def database_answers() -> str:
    db.session.execute(sa.text("SELECT 1"))
    return db.engine.dialect.name


def redis_answers() -> str:
    from redis import Redis

    client = Redis.from_url(
        current_app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2
    )
    try:
        client.ping()
    finally:
        client.close()
    return _("answers")


def queue_depth() -> str:
    huey = background.huey_of()
    return _(
        "%(queued)s, %(later)s",
        queued=ngettext("%(num)d queued", "%(num)d queued", huey.pending_count()),
        later=ngettext(
            "%(num)d scheduled for later", "%(num)d scheduled for later", huey.scheduled_count()
        ),
    )


@bp.route("/status")
@admin_required
def status():
    jobs = background.load_jobs()
    runs = all_runs()
    redis = check(redis_answers) if current_app.config.get("REDIS_URL") else None
    return render_template(
        "moderation/status.html",
        outbox=counts(),
        oldest=oldest_pending(),
        queue=check(queue_depth),
        queue_kind=describe_queue_kind(),
        database=check(database_answers),
        redis=redis,
        jobs=sorted(jobs.values(), key=lambda j: j.name),
        runs=runs,
        job_description=job_description,
        job_when=job_when,
    )


def describe_queue_kind() -> str:
    if str(current_app.config.get("HTPM_QUEUE") or "").lower() == "immediate":
        return _("in process (HTPM_QUEUE=immediate)")
    return "Redis" if current_app.config.get("REDIS_URL") else _("SQLite file in instance/")


@bp.route("/outbox")
@admin_required
def outbox():
    failed = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(PER_PAGE)
    ).all()
    retrying = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == PENDING, OutboxMessage.attempts > 0)
        .order_by(OutboxMessage.id.desc())
        .limit(PER_PAGE)
    ).all()
    return render_template(
        "moderation/outbox.html", failed=failed, retrying=retrying, counts=counts()
    )


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@admin_required
def outbox_retry(message_id: int):
    message = db.session.get(OutboxMessage, message_id) if message_id <= MAX_ID else None
    if message is None:
        abort(404, description=_("There is no such message (it may have been cleaned up)."))
    if message.status != FAILED:
        flash(
            _("Message #%(id)s is %(status)s: there is nothing to retry.",
              id=message.id, status=message.status),
            "error",
        )  # fmt: skip
        return redirect(url_for(".outbox"), 303)
    retry(message)
    db.session.commit()
    log.info("Mail #%s queued again by an admin", message.id)
    flash(_("Message #%(id)s is queued again.", id=message.id), "success")
    return redirect(url_for(".outbox"), 303)


@bp.route("/outbox/retry-failed", methods=["POST"])
@admin_required
def outbox_retry_failed():
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == FAILED)
    ).all()
    for message in messages:
        retry(message)
    db.session.commit()
    flash(
        ngettext("%(num)d failed message queued again.", "%(num)d failed messages queued again.",
                 len(messages)),
        "success",
    )  # fmt: skip
    return redirect(url_for(".outbox"), 303)
