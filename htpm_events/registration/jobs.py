"""Registration's scheduled jobs: reminders the day before, and the purge of attendee data."""

from datetime import timedelta

from .. import background
from ..extensions import db
from . import mails
from .linkcheck import check_links
from .services import claim_reminder, due_reminders, purge


def send_reminders() -> int:
    """Queue the reminder of every confirmed registration whose date starts within a day,
    each once (claimed by a conditional UPDATE, so two workers never both send one)."""
    sent = 0
    for registration in due_reminders():
        if claim_reminder(registration):
            mails.send(registration, "reminder")
            sent += 1
        db.session.commit()
    return sent


@background.scheduled("registrations.remind", every=timedelta(hours=1))
def remind() -> str:
    """Hourly: the reminder e-mail, about a day before each registered date."""
    return f"{send_reminders()} reminder(s) queued"


@background.scheduled("registrations.purge", every=timedelta(days=1))
def purge_old() -> str:
    """Daily: delete attendee data HTPM_REGISTRATION_RETENTION_DAYS after an event's end."""
    deleted = purge()
    db.session.commit()
    return f"{deleted} registration(s) purged (counts kept)"


@background.scheduled("links.check", every=timedelta(days=1), lease=timedelta(hours=1))
def check_registration_links() -> str:
    """Daily: check the external registration links of upcoming events."""
    found = check_links()
    return (
        f"{found['checked']} link(s) checked: {found['ok']} answer, {found['failing']} failing, "
        f"{found['flagged']} flagged"
    )
