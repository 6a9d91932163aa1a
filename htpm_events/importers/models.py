"""Import sources (SPEC §6)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class ImportSource(db.Model):
    __tablename__ = "import_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: url (polled), or file (an uploaded .ics or CSV).
    kind: Mapped[str] = mapped_column(sa.String(10), default="url")
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    #: Default organization name for events that do not name one.
    organization: Mapped[str | None] = mapped_column(sa.String(200))
    level: Mapped[str | None] = mapped_column(sa.String(20))
    state: Mapped[str | None] = mapped_column(sa.String(2))
    #: Default topics, "|"-separated.
    topics: Mapped[str | None] = mapped_column(sa.String(500))
    #: Events of a trusted source publish without moderation.
    trusted: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    poll_minutes: Mapped[int] = mapped_column(default=60)
    #: Conditional GET validators from the last successful fetch.
    etag: Mapped[str | None] = mapped_column(sa.String(500))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    last_polled: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last error (HTTP error, malformed file, too large), None after a good run.
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
