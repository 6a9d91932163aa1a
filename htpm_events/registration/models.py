"""Hub registrations and counted link-outs (SPEC §7)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db

#: Registration statuses.
CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"


class Registration(db.Model):
    """One person's registration for one occurrence of a hub-mode event (SPEC §7)."""

    __tablename__ = "registrations"
    __table_args__ = (
        sa.UniqueConstraint(
            "event_id", "occurrence", "email", name="uq_registrations_event_occurrence_email"
        ),
        sa.Index("ix_registrations_event_occurrence_status", "event_id", "occurrence", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: The local date of the occurrence (the event's first day when it does not repeat).
    occurrence: Mapped[date] = mapped_column(sa.Date)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Lower-cased: one registration per e-mail and occurrence.
    email: Mapped[str] = mapped_column(sa.String(254))
    #: The interface language the person registered in: their e-mails are in it.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    #: Accessibility or interpretation needs.
    needs: Mapped[str | None] = mapped_column(sa.String(1000))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: confirmed, waitlisted or cancelled.
    status: Mapped[str] = mapped_column(sa.String(20), default=CONFIRMED)
    #: SHA-256 of the attendee's cancel token.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: When the person registered (again): the waitlist's order, with the id.
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a waitlisted person got a seat.
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the reminder the day before was queued.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SEQUENCE of the last calendar file sent to this person (each new one is higher).
    ics_sequence: Mapped[int] = mapped_column(default=-1)
    #: Fingerprint of the time, place and join link that person's calendar holds.
    ics_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))

    event = relationship("Event")


class RegistrationTally(db.Model):
    """Counts kept after attendee rows are purged (SPEC §7 retention)."""

    __tablename__ = "registration_tallies"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    occurrence: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    confirmed: Mapped[int] = mapped_column(default=0)
    waitlisted: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    purged: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegisterClick(db.Model):
    """Follow-through clicks on an external registration link, per event and day.

    Nothing personal is kept."""

    __tablename__ = "register_clicks"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class LinkCheck(db.Model):
    """The last checks of an upcoming event's external registration link (``flask links
    check``): a link failing twice in a row is flagged to moderators and the organizer."""

    __tablename__ = "link_checks"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    #: The link as checked (a changed link starts again from no failures).
    url: Mapped[str] = mapped_column(sa.String(2000))
    #: Failed checks in a row.
    failures: Mapped[int] = mapped_column(default=0)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The HTTP status of the last answer (None: no answer).
    status: Mapped[int | None] = mapped_column()
    #: Why the last check failed.
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: When the organizer was told (once per broken spell).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
