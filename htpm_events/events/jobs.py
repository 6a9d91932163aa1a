"""The events' scheduled job: keep imported series without an end listed two years ahead.

An imported RRULE with neither UNTIL nor COUNT has occurrence rows up to
:data:`~.occurrences.HORIZON` from the day it was saved (SPEC §6). Without this job, a weekly
meeting imported in January would vanish from the lists and the month grid two years later
although its calendar still lists it (its feed entry keeps the RRULE and is never cut)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from .. import background
from ..extensions import db
from ..timeutil import now_utc
from .models import Event, EventOccurrence
from .occurrence_rows import has_rows, store_occurrences
from .occurrences import HORIZON
from .services import bump_data_version

#: Rows are written again when they end sooner than this before the horizon.
SLACK = timedelta(days=30)


def unbounded_series():
    """Public imported series whose rule has no end."""
    rule = Event.rrule
    return sa.select(Event.id).where(
        Event.recurrence == "custom",
        rule.is_not(None),
        rule.not_like("%UNTIL=%"),
        rule.not_like("%COUNT=%"),
        Event.status.in_(("approved", "cancelled")),
    )


@background.scheduled("occurrences.extend", every=timedelta(days=1))
def extend() -> str:
    """Daily: write the rows of imported series without an end up to two years ahead again
    once they end within a month of that."""
    wanted = (now_utc() + HORIZON - SLACK).date()
    last_day = (
        sa.select(sa.func.max(EventOccurrence.day))
        .where(EventOccurrence.event_id == Event.id)
        .scalar_subquery()
    )
    ids = db.session.scalars(
        unbounded_series().where(sa.or_(last_day.is_(None), last_day < wanted))
    ).all()
    extended = 0
    for start in range(0, len(ids), 500):
        events = db.session.scalars(sa.select(Event).where(Event.id.in_(ids[start : start + 500])))
        events = [event for event in events if has_rows(event)]
        store_occurrences(events)
        extended += len(events)
    if extended:
        bump_data_version()
    db.session.commit()
    return f"{extended} series extended"
