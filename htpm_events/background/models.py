"""What the scheduled jobs did last, and which worker runs each one now."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime
from ..extensions import db


class JobRun(db.Model):
    __tablename__ = "job_runs"

    #: The job's name, as in ``flask jobs list``.
    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    #: The claim of the worker running it now (random per run), and until when it holds.
    lease_token: Mapped[str | None] = mapped_column(sa.String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Milliseconds the last finished run took.
    last_duration_ms: Mapped[int | None] = mapped_column()
    #: True when the last run finished without an error.
    last_ok: Mapped[bool | None] = mapped_column()
    #: The last run's result in a line ("3 sent, 1 failed") or its error.
    last_result: Mapped[str | None] = mapped_column(sa.Text)
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
