"""Writing the audit log. Entries are only ever added: nothing edits or deletes them."""

from __future__ import annotations

from ..accounts.models import User
from ..events.models import Event, Organization
from ..extensions import db
from .models import AuditEntry


def record(
    user: User | None,
    action: str,
    *,
    event: Event | None = None,
    organization: Organization | None = None,
    reason: str | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """Add one entry (the caller commits). ``organization`` defaults to the event's."""
    if organization is None and event is not None:
        organization = event.organization
    entry = AuditEntry(
        user=user,
        actor=user.email if user is not None else "system",
        action=action,
        event=event,
        organization=organization,
        reason=reason or None,
        details=details or None,
    )
    db.session.add(entry)
    return entry
