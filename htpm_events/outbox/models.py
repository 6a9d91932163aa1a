"""The mail outbox: one row per message, written in the transaction that causes it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db

#: A message waiting for (another) attempt.
PENDING = "pending"
#: Accepted by the mail server (or written to instance/mail/ when there is none).
SENT = "sent"
#: Given up: refused for good, or still failing after the retry window.
FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When the change that caused the message was committed (its transaction).
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Envelope recipients, comma-separated (the To header may differ in form).
    recipients: Mapped[str] = mapped_column(sa.Text)
    #: The Subject header, for the admins' list.
    subject: Mapped[str] = mapped_column(sa.String(500))
    #: The whole RFC 5322 message as built when it was queued (headers, body, attachments).
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: pending, sent or failed.
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    #: Delivery attempts so far.
    attempts: Mapped[int] = mapped_column(default=0)
    #: No attempt before this instant (exponential backoff after a temporary failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: After this instant a temporary failure is final (2 days after queueing or a retry).
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The worker's claim: random per claim, and until when it holds.
    lease_token: Mapped[str | None] = mapped_column(sa.String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The mail server's answer to the last failed attempt (or the refused recipients).
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<OutboxMessage #{self.id} {self.status}>"
