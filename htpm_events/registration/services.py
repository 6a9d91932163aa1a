"""Hub registration (SPEC §7): seats per occurrence, the waitlist and its promotions, the
attendee's cancel link, reminders and the purge of attendee data.

Seats are counted and taken under a lock on the occurrence, so that fifty people taking the
last five seats at once leave exactly five confirmed and the rest waitlisted in the order
they came: PostgreSQL takes a transaction-level advisory lock; SQLite's transaction starts
with ``BEGIN IMMEDIATE`` (its write lock). Functions flush; the caller commits once, with
the e-mails the change causes queued in the same transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..events.models import Event
from ..events.occurrences import local_starts
from ..extensions import db
from ..i18n import current_locale
from ..timeutil import now_utc, zone
from .models import CANCELLED, CONFIRMED, WAITLISTED, Registration, RegistrationTally

#: Occurrences offered in the form's date list at most.
MAX_CHOICES = 120


class RegistrationRefused(Exception):
    """Registration is not possible (closed, cancelled, no such date): says why."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- occurrences and seats -------------------------------------------------------------------


def occurrence_starts(event: Event) -> dict[date, datetime]:
    """Aware local start of every occurrence, by its local date."""
    tz = zone(event.timezone)
    return {naive.date(): naive.replace(tzinfo=tz) for naive in local_starts(event)}


def open_occurrences(event: Event, now: datetime | None = None) -> list[date]:
    """The dates one can still register for: not started, before the deadline."""
    now = now or now_utc()
    if event.status != "approved" or event.registration_mode != "hub":
        return []
    if event.registration_deadline is not None and now >= event.registration_deadline:
        return []
    return [day for day, start in occurrence_starts(event).items() if start > now][:MAX_CHOICES]


def counts(event_id: int, occurrence: date | None = None) -> Counter:
    """Registrations by status (for one occurrence, or all), tallies of purged ones included."""
    query = sa.select(Registration.status, sa.func.count()).where(Registration.event_id == event_id)
    tallies = sa.select(RegistrationTally).where(RegistrationTally.event_id == event_id)
    if occurrence is not None:
        query = query.where(Registration.occurrence == occurrence)
        tallies = tallies.where(RegistrationTally.occurrence == occurrence)
    found = Counter(dict(db.session.execute(query.group_by(Registration.status)).all()))
    for tally in db.session.scalars(tallies):
        found.update(
            {CONFIRMED: tally.confirmed, WAITLISTED: tally.waitlisted, CANCELLED: tally.cancelled}
        )
    return found


def seats_left(event: Event, occurrence: date) -> int:
    return max((event.capacity or 0) - counts(event.id, occurrence)[CONFIRMED], 0)


def confirmed_by_occurrence(event_id: int) -> dict[date, int]:
    rows = db.session.execute(
        sa.select(Registration.occurrence, sa.func.count())
        .where(Registration.event_id == event_id, Registration.status == CONFIRMED)
        .group_by(Registration.occurrence)
    )
    return dict(rows.all())


def capacity_problem(event: Event, capacity: int | None) -> str | None:
    """Why a new capacity cannot be accepted (it is below the seats already taken)."""
    if event.id is None or capacity is None:
        return None
    taken = confirmed_by_occurrence(event.id)
    if not taken:
        return None
    most = max(taken.values())
    if capacity < most:
        day = max(taken, key=taken.get)
        return (
            f"{most} people already have a seat on {day:%b %-d, %Y}: the capacity cannot go "
            f"below {most}. Remove registrants first on the manage page if you must."
        )
    return None


def lock_occurrence(event_id: int, occurrence: date) -> None:
    """Serialize seat-taking for one occurrence until the transaction ends. Must come first
    in a transaction (the caller commits what it read before)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        key = int.from_bytes(
            hashlib.sha256(f"registration:{event_id}:{occurrence}".encode()).digest()[:8],
            "big",
            signed=True,
        )
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        # pysqlite begins transactions lazily; an explicit BEGIN IMMEDIATE takes SQLite's
        # write lock now, so the count below cannot be overtaken by another writer.
        db.session.execute(sa.text("BEGIN IMMEDIATE"))


# --- tokens --------------------------------------------------------------------------------


def cancel_token(registration: Registration, event: Event) -> str:
    """The attendee's private cancel link: derived (HMAC) from who registered for what and
    when, so a re-sent confirmation carries it again while only its hash is stored; a new
    registration after a cancellation gets a new one."""
    message = (
        f"registration:{event.uid}:{registration.occurrence.isoformat()}:"
        f"{registration.email}:{registration.created.isoformat()}"
    )
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def registration_for_token(token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(Registration).where(Registration.token_hash == hash_token(token))
    )


# --- registering, cancelling, promoting ---------------------------------------------------------


def register(
    event: Event, occurrence: date, name: str, email: str, needs: str | None
) -> tuple[Registration, str]:
    """Register ``email`` for the occurrence (after :func:`lock_occurrence`). Returns the
    registration and what happened: ``confirmed``, ``waitlisted``, or ``again`` (already
    registered: the confirmation is sent again, nothing is added)."""
    email = email.strip().lower()
    now = now_utc()
    if occurrence not in open_occurrences(event, now):
        raise RegistrationRefused(
            _("Registration for this date is closed.")
            if occurrence in occurrence_starts(event)
            else _("Choose one of the dates listed."),
            field="occurrence",
        )
    existing = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            Registration.occurrence == occurrence,
            Registration.email == email,
        )
    )
    if existing is not None and existing.status != CANCELLED:
        return existing, "again"
    status = CONFIRMED if seats_left(event, occurrence) > 0 else WAITLISTED
    registration = existing or Registration(event_id=event.id, occurrence=occurrence, email=email)
    registration.event = event
    registration.name = name.strip()
    registration.locale = current_locale()
    registration.needs = (needs or "").strip() or None
    registration.status = status
    registration.consent_at = registration.created = now
    registration.cancelled_at = registration.promoted_at = registration.reminded_at = None
    registration.token_hash = hash_token(cancel_token(registration, event))
    if existing is None:
        db.session.add(registration)
    db.session.flush()
    return registration, status


def cancel(registration: Registration) -> list[Registration]:
    """Cancel a registration (after :func:`lock_occurrence`); a freed seat goes to the first
    person on the waitlist. Returns those promoted."""
    was = registration.status
    registration.status = CANCELLED
    registration.cancelled_at = now_utc()
    db.session.flush()
    if was == CONFIRMED:
        return promote(registration.event, registration.occurrence)
    return []


def promote(event: Event, occurrence: date) -> list[Registration]:
    """Give free seats to the waitlist, first come first served."""
    if event.status != "approved" or event.registration_mode != "hub":
        return []
    free = seats_left(event, occurrence)
    if free <= 0:
        return []
    waiting = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.occurrence == occurrence,
            Registration.status == WAITLISTED,
        )
        .order_by(Registration.created, Registration.id)
        .limit(free)
    ).all()
    now = now_utc()
    for registration in waiting:
        registration.status = CONFIRMED
        registration.promoted_at = now
    db.session.flush()
    return list(waiting)


def waitlisted_occurrences(event_id: int) -> list[date]:
    return list(
        db.session.scalars(
            sa.select(Registration.occurrence)
            .where(Registration.event_id == event_id, Registration.status == WAITLISTED)
            .distinct()
        )
    )


def active(event_id: int, occurrence: date | None = None) -> list[Registration]:
    query = sa.select(Registration).where(
        Registration.event_id == event_id, Registration.status != CANCELLED
    )
    if occurrence is not None:
        query = query.where(Registration.occurrence == occurrence)
    return list(db.session.scalars(query.order_by(Registration.occurrence, Registration.created)))


# --- reminders and retention -----------------------------------------------------------------


def due_reminders(now: datetime | None = None) -> list[Registration]:
    """Confirmed registrations whose occurrence starts within a day and that have had no
    reminder (those made less than a day before have just had their confirmation)."""
    now = now or now_utc()
    soon = db.session.scalars(
        sa.select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.status == CONFIRMED,
            Registration.reminded_at.is_(None),
            Event.status == "approved",
            Event.registration_mode == "hub",
            Registration.occurrence >= (now - timedelta(days=1)).date(),
            Registration.occurrence <= (now + timedelta(days=2)).date(),
        )
    ).all()
    due = []
    for registration in soon:
        start = occurrence_starts(registration.event).get(registration.occurrence)
        if start is None or not now < start <= now + timedelta(days=1):
            continue
        if registration.created > start - timedelta(days=1):
            continue
        due.append(registration)
    return due


def claim_reminder(registration: Registration) -> bool:
    """Mark the reminder as sent, once, whichever worker gets there first."""
    return bool(
        db.session.execute(
            sa.update(Registration)
            .where(Registration.id == registration.id, Registration.reminded_at.is_(None))
            .values(reminded_at=now_utc())
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def purge(now: datetime | None = None) -> int:
    """Delete attendee rows ``HTPM_REGISTRATION_RETENTION_DAYS`` after the event's last
    occurrence, keeping their counts per occurrence. Returns the rows deleted."""
    now = now or now_utc()
    days = int(current_app.config.get("HTPM_REGISTRATION_RETENTION_DAYS") or 30)
    cutoff = now - timedelta(days=days)
    ended = sa.func.coalesce(Event.series_ends_at, Event.ends_at)
    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.occurrence, Registration.status)
        .join(Event, Event.id == Registration.event_id)
        .where(ended < cutoff)
    ).all()
    if not rows:
        return 0
    per_occurrence: dict[tuple[int, date], Counter] = {}
    for event_id, occurrence, status in rows:
        per_occurrence.setdefault((event_id, occurrence), Counter())[status] += 1
    for (event_id, occurrence), found in per_occurrence.items():
        tally = db.session.get(RegistrationTally, (event_id, occurrence))
        if tally is None:
            tally = RegistrationTally(
                event_id=event_id, occurrence=occurrence, confirmed=0, waitlisted=0, cancelled=0
            )
            db.session.add(tally)
        tally.confirmed += found[CONFIRMED]
        tally.waitlisted += found[WAITLISTED]
        tally.cancelled += found[CANCELLED]
        tally.purged = now
    db.session.execute(
        sa.delete(Registration)
        .where(Registration.event_id.in_({event_id for event_id, _ in per_occurrence}))
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return len(rows)
