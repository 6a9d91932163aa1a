"""Serialized feeds, shared by every worker and host."""

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
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    etag: Mapped[str] = mapped_column(sa.String(100))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
    built: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
