"""The audit log and trusted e-mail domains."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """One decision or edit: who, when, what, why. Rows are only ever added."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The moderator; None for the submitter, an import or the system.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Who acted, as shown in the log (an e-mail, "submitter", "import #3", "system").
    actor: Mapped[str] = mapped_column(sa.String(254))
    #: submit, edit, approve, reject, request-changes, cancel, unpublish, merge, trust, ...
    action: Mapped[str] = mapped_column(sa.String(40))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Anything else worth keeping (changed fields, merged ids, counts).
    details: Mapped[dict | None] = mapped_column(sa.JSON)

    user = relationship("User")
    event = relationship("Event")
    organization = relationship("Organization")


class TrustedDomain(db.Model):
    """Submissions whose confirmed contact e-mail is in this domain count as trusted."""

    __tablename__ = "trusted_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
