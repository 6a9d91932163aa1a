"""One-time form keys, so that a replayed POST is recognised."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class FormReplay(db.Model):
    """A form (submit, edit, cancel) that went through, under the one-time key it carried.

    The same key posted again (a double click, a browser retry) finds this row and is shown
    the first POST's result instead of doing the work twice. The key is unique, so of two
    POSTs sent at the same moment only one can claim it; the other waits for it to commit."""

    __tablename__ = "form_replays"
    __table_args__ = (sa.Index("ix_form_replays_created", "created"),)

    #: SHA-256 (hex) of the key the form carried; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: Which form: ``submit``, ``edit`` or ``cancel``.
    form: Mapped[str] = mapped_column(sa.String(10))
    #: SHA-256 of what was posted: the same key with other content is not a replay.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    #: The event the form created or changed (set once the work is done).
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: What the first POST did (an edit's outcome), to say it again.
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
