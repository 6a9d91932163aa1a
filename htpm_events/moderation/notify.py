"""The e-mails a submitter gets about a moderator's decision. Services build them; the view
queues them in the decision's transaction, so no e-mail announces a decision that was lost and
no decision goes unannounced."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..events.models import Event
from ..events.services import issue_manage_token
from ..links import event_url
from ..mail import queue_mail
from ..submissions.services import manage_url


@dataclass
class Mail:
    to: str
    subject: str
    body: str


def manage_link(event: Event) -> str:
    """The submitter's private link. Imported events never had one; give them one now
    (the token is derived from the event, so this is the same link every time)."""
    if event.manage_token_hash is None:
        issue_manage_token(event)
    return manage_url(event)


def public_link(event: Event) -> str:
    return event_url(event)


HOTLINE = "National Human Trafficking Hotline: 1-888-373-7888 (text 233733), confidential, 24/7."


def footer() -> str:
    """The hotline, and an invitation to reply only where replies reach someone
    (``MAIL_REPLY_TO``, the moderators' address; the sender is a no-reply address)."""
    if current_app.config.get("MAIL_REPLY_TO"):
        return f"Questions? Reply to this message.\n\n{HOTLINE}"
    return HOTLINE


def compose(event: Event, subject: str, lead: str, reason: str | None, reason_label: str) -> Mail:
    parts = [f"Hello {event.contact_name or ''}".rstrip() + ",", lead]
    if reason:
        parts.append(f"{reason_label}:\n{reason}")
    if event.status in ("approved", "cancelled"):
        parts.append(f"The public page: {public_link(event)}")
    parts.append(
        "See its status, edit or cancel it, and see registrations with your private link "
        f"(keep it to yourself):\n{manage_link(event)}"
    )
    parts.append(footer())
    return Mail(event.contact_email, f"{subject}: {event.title}", "\n\n".join(parts))


def decision_mail(event: Event, decision: str, reason: str | None, change: bool) -> Mail:
    title = f"“{event.title}”"
    if decision == "approve":
        if change:
            lead = f"The change you submitted to {title} was approved and is now public."
        else:
            lead = f"{title} was approved and is now on the HTPM Events Hub calendar."
        return compose(event, "Approved", lead, reason, "The moderator's note")
    if decision == "reject":
        if change:
            lead = (
                f"The change you submitted to {title} was not accepted; "
                "the published version stays as it was."
            )
        else:
            lead = f"{title} was not accepted for the HTPM Events Hub calendar."
        return compose(event, "Not accepted", lead, reason, "The moderator's reason")
    lead = (
        f"A moderator asks for changes to {title}"
        + (" before your change can be published." if change else " before it can be published.")
        + " Edit the event with your private link below; it comes back to the moderators then."
    )
    return compose(event, "Changes requested", lead, reason, "What to change")


def action_mail(event: Event, action: str, reason: str | None, into: Event | None = None) -> Mail:
    title = f"“{event.title}”"
    if action == "cancel":
        return compose(
            event,
            "Cancelled",
            f"A moderator marked {title} as cancelled. Its page and the calendar feeds say so.",
            reason,
            "The moderator's reason",
        )
    if action == "unpublish":
        return compose(
            event,
            "Taken off the calendar",
            f"A moderator took {title} off the public calendar for another review.",
            reason,
            "The moderator's reason",
        )
    assert action == "merge" and into is not None
    where = public_link(into) if into.status == "approved" else f"event #{into.id}"
    return compose(
        event,
        "Merged with another listing",
        f"{title} was listed twice on the hub, so a moderator merged it into one listing: "
        f"{where}\nYour organization is credited there as a co-host and your "
        "registration link is kept.",
        reason,
        "The moderator's note",
    )


def queue_all(mails: list[Mail]) -> None:
    """Into the outbox, in the current transaction (before the view commits)."""
    for mail in mails:
        if not mail.to:
            continue  # an imported event whose source has no contact: nobody to tell
        queue_mail(mail.to, mail.subject, mail.body)
