"""Moderators' decisions and actions on events. Plain functions that flush, never commit:
the view commits once and then sends the e-mails each function returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..accounts.models import User
from ..events.models import Event, EventCohost, EventRevision
from ..events.services import (
    apply_data,
    bump_data_version,
    cancel,
    form_data,
    publish,
    revision_data,
)
from ..extensions import db
from ..submissions.forms import Upload
from ..submissions.services import apply_held_flyer, store_flyer
from ..timeutil import now_utc
from ..vocab import N_
from .audit import record
from .changes import changed_fields
from .notify import Mail, action_mail, decision_mail

DECISIONS = ("approve", "reject", "request-changes")

#: What a decision makes of a new submission.
DECISION_STATUS = {"reject": "rejected", "request-changes": "changes-requested"}

#: Past tense, for messages.
#: What the moderator is told after a decision on an event and on a held change.
DONE = {
    "approve": N_("Approved “%(title)s”."),
    "reject": N_("Rejected “%(title)s”."),
    "request-changes": N_("Asked for changes to “%(title)s”."),
}
DONE_CHANGE = {
    "approve": N_("Approved the change to “%(title)s”."),
    "reject": N_("Rejected the change to “%(title)s”."),
    "request-changes": N_("Asked for changes to the change to “%(title)s”."),
}


class ActionRefused(Exception):
    """The action does not apply to the event as it is now; the message says why."""


@dataclass
class Outcome:
    event: Event
    message: str
    mails: list[Mail] = field(default_factory=list)


def held_changes(event: Event) -> list[EventRevision]:
    """The changes to a published event waiting for a decision, oldest first."""
    if event.status != "approved":
        return []
    return [r for r in event.revisions if r.status == "pending"]


def decide(
    event: Event,
    user: User,
    decision: str,
    reason: str | None = None,
    revision_id: int | None = None,
) -> Outcome:
    """Approve, reject or ask for changes to a new submission or a held change."""
    reason = (reason or "").strip() or None
    if decision not in DECISIONS:
        raise ActionRefused(_("Unknown decision %(decision)r.", decision=decision))
    if decision != "approve" and not reason:
        raise ActionRefused(_("Give a reason: the submitter reads it."))
    held = held_changes(event)
    if revision_id is not None and (not held or held[-1].id != revision_id):
        raise ActionRefused(
            _(
                "This change was decided or replaced by a newer one while you were reviewing it; "
                "look at the event again."
            )
        )
    if held:
        return decide_change(event, held, user, decision, reason)
    if event.merged_into_id is not None:
        raise ActionRefused(_("This event was merged into event #%(id)s.", id=event.merged_into_id))
    if event.status == "cancelled":
        raise ActionRefused(_("This event is cancelled; there is nothing to decide."))
    if decision == "approve" and event.status == "approved":
        raise ActionRefused(_("This event is already published."))

    now = now_utc()
    if decision == "approve":
        publish(event, bump_sequence=True)
        event.moderation_reason = None
    else:
        was_public = event.status == "approved"
        event.status = DECISION_STATUS[decision]
        event.moderation_reason = reason
        event.updated = now
        if was_public:  # taken off every list and feed
            event.sequence += 1
            bump_data_version()
    record(user, decision, event=event, reason=reason)
    db.session.flush()
    return Outcome(
        event,
        _(DONE[decision], title=event.title),
        [decision_mail(event, decision, reason, change=False)],
    )


def decide_change(
    event: Event, held: list[EventRevision], user: User, decision: str, reason: str | None
) -> Outcome:
    """A decision on the held change of a published event (the latest one: every revision
    holds the whole event, so it includes the earlier ones, which are superseded)."""
    latest = held[-1]
    now = now_utc()
    details: dict = {"change": latest.id}
    if decision == "approve":
        try:
            data = revision_data(latest.data)
        except ValueError as exc:
            raise ActionRefused(
                _(
                    "The change no longer passes the form's checks (%(error)s). "
                    "Reject it, or edit the event yourself.",
                    error=exc,
                )
            ) from exc
        details["fields"] = changed_fields(form_data(event), data)
        if latest.data.get("flyer_upload") or latest.data.get("flyer_remove"):
            details["fields"].append("flyer")
        apply_data(event, data)
        apply_held_flyer(event, latest.data)
        publish(event, bump_sequence=True)
        if latest.source in ("ics", "csv") and event.import_source_id is not None:
            from ..importers.services import state_hash

            # The source's version, now live: not a hand edit to protect from the source.
            db.session.flush()
            event.import_state_hash = state_hash(event)
        event.moderation_reason = None
        latest.status = "applied"
        for older in held[:-1]:
            older.status = "superseded"
            older.decided = now
    else:
        for revision in held:
            revision.status = "rejected"
            revision.decided = now
        event.moderation_reason = reason
        event.updated = now
    latest.decided = now
    record(user, decision, event=event, reason=reason, details=details)
    db.session.flush()
    return Outcome(
        event,
        _(DONE_CHANGE[decision], title=event.title),
        [decision_mail(event, decision, reason, change=True)],
    )


def edit_event(
    event: Event,
    user: User,
    data: dict,
    upload: Upload | None = None,
    remove_flyer: bool = False,
) -> list[str]:
    """A moderator's edit: applied at once (a published event's SEQUENCE goes up);
    returns the names of the changed fields."""
    changed = changed_fields(form_data(event), data)
    if upload is not None:
        store_flyer(event, upload)
        changed.append("flyer")
    elif remove_flyer and event.flyer is not None:
        event.flyer = None
        changed.append("flyer")
    if not changed:
        return []
    apply_data(event, data)
    event.updated = now_utc()
    if event.status == "approved":
        publish(event, bump_sequence=True)
    elif event.status == "cancelled":
        event.sequence += 1
        bump_data_version()
    record(user, "edit", event=event, details={"fields": changed})
    db.session.flush()
    return changed


def set_featured(event: Event, user: User, featured: bool) -> str:
    if event.featured == featured:
        if featured:
            return _("“%(title)s” is already featured.", title=event.title)
        return _("“%(title)s” is already not featured.", title=event.title)
    event.featured = featured
    event.updated = now_utc()
    if event.is_public:
        bump_data_version()
    record(user, "feature" if featured else "unfeature", event=event)
    db.session.flush()
    if featured:
        return _("“%(title)s” is now featured.", title=event.title)
    return _("“%(title)s” is no longer featured.", title=event.title)


def cancel_event(event: Event, user: User, reason: str) -> Outcome:
    """Cancel a published event: it stays in feeds as cancelled so calendars remove it."""
    if event.status != "approved":
        raise ActionRefused(_("Only a published event can be cancelled."))
    cancel(event)
    event.moderation_reason = reason
    record(user, "cancel", event=event, reason=reason)
    db.session.flush()
    message = _("Cancelled “%(title)s”.", title=event.title)
    return Outcome(event, message, [action_mail(event, "cancel", reason)])


def unpublish(event: Event, user: User, reason: str) -> Outcome:
    """Take a published event off every public list and back into the queue."""
    if event.status != "approved":
        raise ActionRefused(_("Only a published event can be un-published."))
    event.status = "pending"
    event.moderation_reason = reason
    event.sequence += 1
    event.updated = now_utc()
    bump_data_version()
    record(user, "unpublish", event=event, reason=reason)
    db.session.flush()
    return Outcome(
        event,
        _("Took “%(title)s” off the public calendar; it is back in the queue.", title=event.title),
        [action_mail(event, "unpublish", reason)],
    )


def merge(duplicate: Event, original: Event, user: User, reason: str | None = None) -> Outcome:
    """Merge ``duplicate`` into ``original``: the duplicate disappears (rejected, "Merged into
    event #N") and the original credits its organization and keeps its registration link."""
    if duplicate.id == original.id:
        raise ActionRefused(_("An event cannot be merged into itself."))
    if duplicate.merged_into_id is not None:
        raise ActionRefused(
            _("This event was already merged into event #%(id)s.", id=duplicate.merged_into_id)
        )
    if original.merged_into_id is not None or original.status not in ("approved", "pending"):
        raise ActionRefused(
            _(
                "Event #%(id)s cannot take a merge: only a published or pending event can.",
                id=original.id,
            )
        )
    reason = (reason or "").strip() or None
    was_public = duplicate.status == "approved"
    now = now_utc()
    duplicate.merged_into_id = original.id
    duplicate.status = "rejected"
    duplicate.moderation_reason = f"Merged into event #{original.id}"
    duplicate.updated = now
    for revision in duplicate.revisions:
        if revision.status == "pending":
            revision.status, revision.decided = "rejected", now

    credited = {c.organization_id for c in original.cohosts}
    credits = [(duplicate.organization, duplicate.registration_url, duplicate.id)] + [
        (c.organization, c.registration_url, c.merged_event_id) for c in duplicate.cohosts
    ]
    for organization, registration_url, merged_id in credits:
        same_host = organization.id == original.organization_id and (
            not registration_url or registration_url == original.registration_url
        )
        if same_host or organization.id in credited:
            continue
        credited.add(organization.id)
        original.cohosts.append(
            EventCohost(
                organization=organization,
                registration_url=registration_url,
                merged_event_id=merged_id,
            )
        )
    if original.status == "approved":
        publish(original, bump_sequence=True)
    elif was_public:
        bump_data_version()
    record(user, "merge", event=duplicate, reason=reason, details={"into": original.id})
    record(user, "merge", event=original, reason=reason, details={"from": duplicate.id})
    db.session.flush()
    return Outcome(
        duplicate,
        _(
            "Merged “%(title)s” (#%(id)s) into #%(into)s.",
            title=duplicate.title,
            id=duplicate.id,
            into=original.id,
        ),
        [action_mail(duplicate, "merge", reason, into=original)],
    )
