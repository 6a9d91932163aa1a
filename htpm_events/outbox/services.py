"""The mail outbox: messages are added in the caller's transaction and delivered by workers.

Delivery claims a few messages at a time with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
one atomic UPDATE on SQLite), so two workers never send one message; a worker killed while
sending leaves its lease to expire and the message is sent once more, with the same
Message-ID. A temporary failure (a 4xx, a dropped or refused connection) is retried with
exponential backoff, 1 minute doubling up to 6 hours, for 2 days; a permanent one (every
recipient or the message refused with a 5xx) fails that message only.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session

from ..extensions import db
from ..timeutil import now_utc
from .models import FAILED, PENDING, SENT, OutboxMessage

log = logging.getLogger(__name__)

RETRY_CAP = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(days=2)
SMTP_TIMEOUT = 30
#: The session flag that asks for a delivery once the transaction commits.
QUEUED = "htpm_outbox_queued"


def add(message: EmailMessage) -> OutboxMessage:
    """Put a built message in the outbox, in the current transaction (never commits)."""
    recipients = [
        address
        for _, address in getaddresses(
            [*message.get_all("To", []), *message.get_all("Cc", []), *message.get_all("Bcc", [])]
        )
        if address
    ]
    del message["Bcc"]
    now = now_utc()
    row = OutboxMessage(
        created=now,
        recipients=", ".join(recipients),
        subject=str(message["Subject"] or "")[:500],
        content=message.as_bytes(policy=message.policy.clone(linesep="\r\n")),
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        give_up_at=now + GIVE_UP_AFTER,
    )
    db.session.add(row)
    db.session.info[QUEUED] = True
    return row


@sa.event.listens_for(Session, "after_commit")
def _deliver_soon(session) -> None:
    """Once the transaction that wrote messages commits, ask a worker to send them now
    (the periodic sweep is only the safety net)."""
    if session.info.pop(QUEUED, False) and has_app_context():
        from .. import background

        background.enqueue("mail.deliver")


@sa.event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(QUEUED, None)


# --- delivery ------------------------------------------------------------------------------


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: The earliest instant a retried message is due (to schedule the next attempt).
    next_due: datetime | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed

    def summary(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


class Permanent(Exception):
    """The message is refused for good (5xx)."""


def first_retry() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("HTPM_MAIL_RETRY_SECONDS") or 60))


def lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("HTPM_MAIL_LEASE_SECONDS") or 120))


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes, at most 6 h."""
    return min(first_retry() * 2 ** max(attempts - 1, 0), RETRY_CAP)


@dataclass
class Claimed:
    id: int
    recipients: str
    content: bytes
    #: Attempts including this one.
    attempts: int
    give_up_at: datetime


#: Messages claimed at once: one claim (a commit) for several messages, and a batch small
#: enough to be sent well within its lease.
BATCH = 10


def claim(limit: int = BATCH) -> tuple[str, list[Claimed]]:
    """Claim the oldest due messages (at most ``limit``): the claim's token and the messages."""
    now = now_utc()
    token = secrets.token_hex(16)
    due = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.next_attempt_at <= now,
            sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)  # another worker's rows are skipped
    rows = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(lease_token=token, lease_until=now + lease(), attempts=OutboxMessage.attempts + 1)
        .returning(
            OutboxMessage.id,
            OutboxMessage.recipients,
            OutboxMessage.content,
            OutboxMessage.attempts,
            OutboxMessage.give_up_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return token, sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


def release(token: str) -> None:
    """Give back the messages of a claim that were not tried (they count no attempt)."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.lease_token == token)
        .values(lease_token=None, lease_until=None, attempts=OutboxMessage.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver_due(budget: float = 50.0) -> Delivery:
    """Send due messages, a claimed batch at a time, for at most ``budget`` seconds."""
    result = Delivery()
    started = time.monotonic()
    transport = make_transport()
    # A message is only sent while its claim has at least half its lease left, so a slow
    # server cannot make a claim expire mid-send (and another worker send it again).
    safe = lease().total_seconds() / 2
    try:
        while time.monotonic() - started < budget:
            token, batch = claim()
            if not batch:
                break
            claimed_at = time.monotonic()
            reachable = True
            for item in batch:
                if time.monotonic() - claimed_at > safe:
                    break
                if not deliver_one(item, token, transport, result):
                    reachable = False  # the mail server cannot be reached: stop for now
                    break
            release(token)  # whatever this batch did not try
            if not reachable:
                break
    finally:
        transport.close()
    if time.monotonic() - started >= budget:
        from .. import background

        background.enqueue("mail.deliver")  # more to send: another turn, now
    return result


def deliver_one(item: Claimed, token: str, transport, result: Delivery) -> bool:
    """Send one claimed message and record the outcome. False when the server cannot be
    reached (no point trying the next message now)."""
    message_id = item.id
    recipients = [r.strip() for r in item.recipients.split(",") if r.strip()]
    now = now_utc()
    try:
        refused = transport.send(message_id, recipients, item.content)
    except Permanent as exc:
        finish(message_id, token, status=FAILED, error=str(exc))
        result.failed += 1
        # Logs name messages by id: addresses (attendees' among them) stay in the database.
        log.warning("Mail #%s refused for good (see /moderate/outbox)", message_id)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        transport.reset()
        error = describe(exc)
        if now >= item.give_up_at:
            finish(message_id, token, status=FAILED, error=f"Gave up after 2 days: {error}")
            result.failed += 1
        else:
            due = now + backoff(item.attempts)
            finish(message_id, token, status=PENDING, error=error, next_attempt_at=due)
            result.retrying += 1
            result.next_due = min(filter(None, (result.next_due, due)))
        log.warning(
            "Mail #%s not sent (attempt %s): %s", message_id, item.attempts, type(exc).__name__
        )
        # A refusal concerns this message; anything else (no connection, a dropped one, a
        # refused login) concerns them all.
        return isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)
    note = "; ".join(f"{who} refused: {describe_code(*answer)}" for who, answer in refused.items())
    finish(message_id, token, status=SENT, error=note or None, sent_at=now_utc())
    result.sent += 1
    return True


def finish(message_id: int, token: str, *, status: str, error: str | None, **values) -> None:
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.lease_token == token)
        .values(status=status, last_error=error, lease_token=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not done:
        log.warning("Mail #%s: the claim expired while sending (sent twice?)", message_id)


def describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{who} refused: {describe_code(*answer)}" for who, answer in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return describe_code(exc.smtp_code, exc.smtp_error)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def describe_code(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


# --- transports ----------------------------------------------------------------------------


def make_transport():
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SMTPTransport(config)
    return FileTransport(Path(current_app.instance_path) / "mail")


class SMTPTransport:
    """One SMTP connection, opened on the first message and reused for the rest."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def connect(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(
            config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=SMTP_TIMEOUT
        )
        try:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message_id: int, recipients: list[str], content: bytes) -> dict:
        if self.smtp is None:
            self.smtp = self.connect()
        sender = parseaddr(BytesHeaderParser().parsebytes(content)["From"] or "")[1]
        try:
            return self.smtp.sendmail(sender, recipients, content)
        except smtplib.SMTPRecipientsRefused as exc:
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise Permanent(describe(exc)) from exc
            raise
        except smtplib.SMTPDataError as exc:
            if exc.smtp_code >= 500:
                self.rset()
                raise Permanent(describe(exc)) from exc
            raise

    def rset(self) -> None:
        try:
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.reset()

    def reset(self) -> None:
        """Drop the connection after an error; the next message opens a new one."""
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            finally:
                self.reset()


class FileTransport:
    """Development: each message becomes an .eml file in ``instance/mail/`` (and a log line)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message_id: int, recipients: list[str], content: bytes) -> dict:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{now_utc():%Y%m%dT%H%M%S%f}-{message_id}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(content)
        temporary.replace(self.folder / name)  # whole or not at all
        subject = BytesHeaderParser().parsebytes(content)["Subject"]
        current_app.logger.info(
            "Mail #%s (%s) written to %s", message_id, subject, self.folder / name
        )
        return {}

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


# --- admins --------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    ).all()
    found = {PENDING: 0, SENT: 0, FAILED: 0}
    found.update({status: count for status, count in rows})
    return found


def oldest_pending() -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.min(OutboxMessage.created)).where(OutboxMessage.status == PENDING)
    )


def retry(message: OutboxMessage) -> None:
    """Send a failed message again, with a new 2-day window (never commits)."""
    now = now_utc()
    message.status = PENDING
    message.next_attempt_at = now
    message.give_up_at = now + GIVE_UP_AFTER
    message.lease_token = message.lease_until = None
    db.session.info[QUEUED] = True


def clean(sent_after: timedelta, failed_after: timedelta) -> int:
    """Delete sent messages older than ``sent_after`` and failed ones older than
    ``failed_after`` (they hold addresses: keep them no longer than they help)."""
    now = now_utc()
    deleted = db.session.execute(
        sa.delete(OutboxMessage)
        .where(
            sa.or_(
                sa.and_(OutboxMessage.status == SENT, OutboxMessage.created < now - sent_after),
                sa.and_(OutboxMessage.status == FAILED, OutboxMessage.created < now - failed_after),
            )
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return deleted
