"""The outbox's jobs: deliver (asked for after every commit that queues mail, and swept every
minute as the safety net) and clean (sent and failed messages hold addresses)."""

from datetime import timedelta

from .. import background
from ..extensions import db
from .services import clean as clean_outbox
from .services import deliver_due


@background.job("mail.deliver")
def deliver() -> str | None:
    """Send the messages that are due."""
    result = deliver_due()
    if result.next_due is not None:
        # The next attempt of a message that failed for now, at its time (not at the sweep).
        from ..timeutil import now_utc

        wait = max((result.next_due - now_utc()).total_seconds(), 0.5)
        background.enqueue("mail.deliver", delay=wait)
    return result.summary() if result.attempted else None


@background.scheduled("mail.sweep", every=timedelta(minutes=1))
def sweep() -> str:
    """Every minute: send whatever is due (mail queued while the queue was unreachable)."""
    return deliver_due().summary()


@background.scheduled("mail.clean", every=timedelta(hours=1))
def clean() -> str:
    """Hourly: delete sent messages after 7 days and failed ones after 30."""
    deleted = clean_outbox(sent_after=timedelta(days=7), failed_after=timedelta(days=30))
    db.session.commit()
    return f"{deleted} deleted"
