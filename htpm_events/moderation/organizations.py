"""Splitting an organization: events filed under one organization that belong to another
(names that an older key merged, or a submitter who picked the wrong name) move to it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.models import User
from ..events.models import Event, Organization
from ..events.services import bump_data_version, find_or_create_organization
from ..extensions import db
from ..submissions.services import org_key
from ..timeutil import now_utc
from .audit import record
from .services import ActionRefused


def split_organization(
    organization: Organization,
    event_ids: list[int],
    name: str,
    user: User,
    reason: str | None = None,
) -> tuple[Organization, list[Event]]:
    """Move the chosen events of ``organization`` to the organization called ``name`` (a new
    one, untrusted, unless an organization of that name already exists). Published events
    change in feeds (SEQUENCE + 1). One audit entry for the split and one per moved event."""
    name = (name or "").strip()
    if not name:
        raise ActionRefused(_("Enter the name of the organization the events belong to."))
    if org_key(name) == organization.name_key:
        raise ActionRefused(
            _(
                "“%(name)s” is this organization's own name. Enter the other organization's name.",
                name=name,
            )
        )
    if not event_ids:
        raise ActionRefused(_("Choose at least one event to move."))
    events = list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.id.in_(event_ids), Event.organization_id == organization.id)
            .order_by(Event.id)
        )
    )
    missing = sorted(set(event_ids) - {e.id for e in events})
    if missing:
        numbers = ", ".join(f"#{n}" for n in missing)
        raise ActionRefused(
            _("%(numbers)s: not an event of %(name)s.", numbers=numbers, name=organization.name)
        )
    target = find_or_create_organization(name)
    now = now_utc()
    public = False
    for event in events:
        event.organization = target
        if event.is_public:
            public = True
            event.sequence += 1
            event.updated = now
    if public:
        bump_data_version()
    moved = [e.id for e in events]
    record(
        user,
        "split",
        organization=organization,
        reason=reason,
        details={"to": target.id, "to_name": target.name, "events": moved},
    )
    for event in events:
        record(
            user,
            "split",
            event=event,
            organization=target,
            reason=reason,
            details={"from": organization.id, "from_name": organization.name, "to": target.id},
        )
    db.session.flush()
    return target, events
