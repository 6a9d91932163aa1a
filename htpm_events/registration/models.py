"""Hub registrations and counted link-outs (SPEC §7)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "email", name="uq_registrations_event_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Lower-cased: one registration per e-mail and event.
    email: Mapped[str] = mapped_column(sa.String(254))
    #: Accessibility or interpretation needs.
    needs: Mapped[str | None] = mapped_column(sa.String(1000))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: confirmed, waitlisted or cancelled.
    status: Mapped[str] = mapped_column(sa.String(20), default="confirmed")
    #: SHA-256 of the attendee's cancel token.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event = relationship("Event")


class RegisterClick(db.Model):
    """Follow-through clicks on an external registration link, per event and day.

    Nothing personal is kept."""

    __tablename__ = "register_clicks"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
