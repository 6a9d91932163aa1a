"""Import sources (SPEC §6)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class ImportSource(db.Model):
    __tablename__ = "import_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: url (polled), file (an .ics or CSV file) or batch (a public "Submit many events").
    kind: Mapped[str] = mapped_column(sa.String(10), default="url")
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    #: What moderators call it (default: the URL's host).
    name: Mapped[str | None] = mapped_column(sa.String(200))
    #: Default organization name for events that do not name one.
    organization: Mapped[str | None] = mapped_column(sa.String(200))
    level: Mapped[str | None] = mapped_column(sa.String(20))
    state: Mapped[str | None] = mapped_column(sa.String(2))
    #: Default topics, "|"-separated.
    topics: Mapped[str | None] = mapped_column(sa.String(500))
    #: Default event type and format (SPEC §2 vocabularies).
    event_type: Mapped[str | None] = mapped_column(sa.String(30))
    format: Mapped[str | None] = mapped_column(sa.String(20))
    #: IANA zone for floating times when the calendar names none (X-WR-TIMEZONE).
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    #: The source's contact: the contact of every event it brings (never public).
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    #: Proposed by the public and not yet approved by a moderator: never polled.
    pending: Mapped[bool] = mapped_column(default=False)
    #: Events of a trusted source publish without moderation.
    trusted: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    poll_minutes: Mapped[int] = mapped_column(default=60)
    #: Conditional GET validators from the last successful fetch.
    etag: Mapped[str | None] = mapped_column(sa.String(500))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    #: SHA-256 of the last body applied: the same body again (a server that ignores
    #: conditional GET) is an unchanged run without parsing it.
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    last_polled: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last error (HTTP error, malformed file, too large), None after a good run.
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    #: HTTP status of the last fetch.
    last_status: Mapped[int | None]
    #: The last run's counts: created, updated, unchanged, cancelled, held.
    last_counts: Mapped[dict | None] = mapped_column(sa.JSON)
    #: Failed runs in a row (polling backs off).
    failures: Mapped[int] = mapped_column(default=0)
    #: Not polled before this instant (backoff after failures).
    next_poll: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the last run was held for a moderator (more than half cancelled, empty feed).
    held_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: A run in progress: its claim and until when it holds (two workers never run one source).
    lease_token: Mapped[str | None] = mapped_column(sa.String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SHA-256 of a batch's manage token (kind batch).
    manage_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
