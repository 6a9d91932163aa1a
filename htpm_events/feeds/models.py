"""What the feeds keep in the database: the validators of every built feed (the bodies are
files on each host, see :mod:`htpm_events.feeds.cache`) and each event's serialized VEVENT,
shared by every host."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class FeedCache(db.Model):
    __tablename__ = "feed_cache"

    #: SHA-256 of the feed kind and its normalized filter.
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: The DataVersion the body was built at; an older one is stale.
    data_version: Mapped[int] = mapped_column(sa.BigInteger)
    #: Strong ETag of the plain body (a SHA-256 of its bytes, the same on every host).
    etag: Mapped[str] = mapped_column(sa.String(100))
    #: Strong ETag of the gzip body, once some host has compressed it.
    gzip_etag: Mapped[str | None] = mapped_column(sa.String(100))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
    built: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedPiece(db.Model):
    """One event's VEVENT as the feeds serialize it (CRLF lines, folded), so that a feed
    rebuilt after one change re-serializes that event only."""

    __tablename__ = "feed_pieces"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    #: SHA-256 of what the text depends on (see :func:`htpm_events.feeds.pieces.fingerprint`).
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    #: The TZID the VEVENT's DTSTART/DTEND use (None: all-day) and the local year it starts.
    tzid: Mapped[str | None] = mapped_column(sa.String(64))
    year: Mapped[int | None] = mapped_column(sa.Integer)
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
