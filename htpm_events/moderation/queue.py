"""The review queue: new submissions and held changes to published events, oldest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import vocab
from ..events.models import Event, EventRevision
from ..extensions import db
from ..vocab import N_
from .duplicates import Duplicate, find_duplicates

KINDS = {"new": N_("New submissions"), "change": N_("Changes to published events")}


class BadFilter(ValueError):
    """A query parameter with a value the page does not know; the message names it."""


@dataclass
class QueueFilters:
    level: str | None = None
    state: str | None = None
    source: str | None = None
    kind: str | None = None

    def args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}

    @property
    def active(self) -> bool:
        return bool(self.args())


ALLOWED = {
    "level": vocab.LEVELS,
    "state": vocab.STATES,
    "source": {s: s for s in vocab.SOURCES},
    "kind": KINDS,
}


def parse_filters(args) -> QueueFilters:
    """Query parameters to filters; raises :class:`BadFilter` naming an unknown value."""
    values = {}
    for name, allowed in ALLOWED.items():
        value = (args.get(name) or "").strip()
        if name == "state":
            value = value.upper()
        if value and value not in allowed:
            raise BadFilter(f"Unknown {name} “{value[:40]}”: choose one from the list.")
        values[name] = value or None
    return QueueFilters(**values)


@dataclass
class QueueItem:
    event: Event
    #: The held change (the latest one) for a published event, None for a new submission.
    revision: EventRevision | None
    #: When it started waiting.
    since: datetime
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "new" if self.revision is None else "change"

    @property
    def source(self) -> str:
        return self.revision.source if self.revision is not None else self.event.source

    @property
    def key(self) -> tuple:
        return (self.since, self.event.id)


def event_conditions(filters: QueueFilters) -> list:
    conditions = []
    if filters.level:
        conditions.append(Event.level == filters.level)
    if filters.state:
        conditions.append(Event.state == filters.state)
    return conditions


def queue_items(filters: QueueFilters | None = None, with_duplicates: bool = False):
    """Every item waiting for a decision, oldest first (three queries, whatever the length)."""
    filters = filters or QueueFilters()
    items: list[QueueItem] = []
    if filters.kind in (None, "new"):
        query = (
            sa.select(Event)
            .where(Event.status == "pending", *event_conditions(filters))
            .options(selectinload(Event.organization))
        )
        if filters.source:
            query = query.where(Event.source == filters.source)
        items.extend(QueueItem(e, None, e.created) for e in db.session.scalars(query))
    if filters.kind in (None, "change"):
        query = (
            sa.select(EventRevision)
            .join(EventRevision.event)
            .where(
                EventRevision.status == "pending",
                Event.status == "approved",
                *event_conditions(filters),
            )
            .order_by(EventRevision.id)
            .options(selectinload(EventRevision.event).selectinload(Event.organization))
        )
        if filters.source:
            query = query.where(EventRevision.source == filters.source)
        changes: dict[int, QueueItem] = {}
        for revision in db.session.scalars(query):
            item = changes.get(revision.event_id)
            if item is None:
                changes[revision.event_id] = QueueItem(revision.event, revision, revision.created)
            else:  # the latest change is the one to decide; it waits since the first
                item.revision = revision
        items.extend(changes.values())
    items.sort(key=lambda item: item.key)
    if with_duplicates and items:
        found = find_duplicates([item.event for item in items])
        for item in items:
            item.duplicates = found[item.event.id]
    return items


def next_item(after: tuple | None = None, skip: int | None = None) -> QueueItem | None:
    """The item to review after the one with queue key ``after`` (wrapping round to the
    oldest), never the event ``skip``."""
    items = [item for item in queue_items() if item.event.id != skip]
    if not items:
        return None
    if after is not None:
        later = [item for item in items if item.key > after]
        if later:
            return later[0]
    return items[0]


def queue_key(event: Event) -> tuple:
    """Where ``event`` stands (or stood) in the queue."""
    held = [r for r in event.revisions if r.status == "pending"]
    since = held[0].created if held and event.status == "approved" else event.created
    return (since, event.id)


def organization_history(event: Event, limit: int = 5) -> tuple[dict[str, int], list[Event]]:
    """The organization's events counted by status, and its latest other events."""
    counts = dict(
        db.session.execute(
            sa.select(Event.status, sa.func.count())
            .where(Event.organization_id == event.organization_id)
            .group_by(Event.status)
        ).all()
    )
    recent = list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.organization_id == event.organization_id, Event.id != event.id)
            .order_by(Event.created.desc(), Event.id.desc())
            .limit(limit)
        )
    )
    return counts, recent
