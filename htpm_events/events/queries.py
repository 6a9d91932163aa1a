"""Reading public events: one windowed SELECT, then occurrences expanded in Python only
for the events of that window."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Event
from .occurrences import Occurrence, occurrences

PUBLIC_STATUSES = ("approved", "cancelled")


def public_event_or_404(event_id: int) -> Event:
    return db.first_or_404(
        sa.select(Event)
        .where(Event.id == event_id, Event.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Event.tags), selectinload(Event.organization))
    )


def dated_events(
    window_start: datetime, window_end: datetime | None = None, *, include_cancelled=True
):
    """Public dated (not on-demand) events with an occurrence overlapping the window."""
    statuses = PUBLIC_STATUSES if include_cancelled else ("approved",)
    query = (
        sa.select(Event)
        .where(
            Event.status.in_(statuses),
            Event.format != "on-demand",
            Event.series_ends_at > window_start,
        )
        .order_by(Event.starts_at, Event.id)
        .options(selectinload(Event.tags), selectinload(Event.organization))
    )
    if window_end is not None:
        query = query.where(Event.starts_at < window_end)
    return query


def on_demand_events(at: datetime):
    return (
        sa.select(Event)
        .where(
            Event.status == "approved",
            Event.format == "on-demand",
            sa.or_(Event.series_ends_at.is_(None), Event.series_ends_at > at),
        )
        .order_by(Event.title)
        .options(selectinload(Event.tags), selectinload(Event.organization))
    )


def upcoming_occurrences(
    window_start: datetime, limit: int, window_end: datetime | None = None
) -> list[Occurrence]:
    """The next ``limit`` occurrences from ``window_start``, in order."""
    result: list[Occurrence] = []
    # Events come ordered by first start; a recurring one can still have later sittings,
    # so read a few more events than needed and sort their occurrences together.
    for event in db.session.scalars(dated_events(window_start, window_end).limit(limit * 3 + 50)):
        result.extend(occurrences(event, window_start, window_end))
    result.sort(key=lambda occ: (occ.start.timestamp(), occ.event.id))
    return result[:limit]
