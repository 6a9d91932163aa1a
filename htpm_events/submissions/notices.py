"""The e-mails of the submission flow (plain text, no HTML), queued in the outbox in the
transaction of the change they announce."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from ..events.models import Event
from ..i18n import locale_of
from ..mail import queue_mail
from ..vocab import N_
from .services import absolute, manage_url, moderation_url, moderators_by_locale

MODERATOR_SUBJECTS = {
    "new": N_("New event to review"),
    "resubmitted": N_("Event changed as requested, to review again"),
    "held": N_("Change to a published event, to review"),
}


def receipt(event: Event, *, changed_contact: bool = False) -> None:
    """To the contact: the manage link (with the key that confirms the address) and a
    summary of what was submitted."""
    with locale_of(event.locale):
        queue_mail(
            event.contact_email,
            _("Your event: %(title)s", title=event.title),
            render_template(
                "submissions/email/receipt.txt",
                event=event,
                link=manage_url(event, confirm=True),
                changed_contact=changed_contact,
            ),
        )


def to_moderators(event: Event, what: str) -> None:
    """One message per language the moderators use (stored with each account)."""
    for code, recipients in moderators_by_locale().items():
        with locale_of(code):
            queue_mail(
                recipients,
                f"{_(MODERATOR_SUBJECTS[what])}: {event.title}",
                render_template(
                    "submissions/email/moderators.txt",
                    event=event,
                    what=what,
                    link=moderation_url(event),
                ),
            )


def cancelled(event: Event) -> None:
    """To the contact, so that a leaked manage link cannot cancel an event unnoticed."""
    page = absolute(f"/events/{event.id}") if event.published else None
    with locale_of(event.locale):
        queue_mail(
            event.contact_email,
            _("Cancelled: %(title)s", title=event.title),
            render_template(
                "submissions/email/cancelled.txt",
                event=event,
                link=manage_url(event),
                page=page,
            ),
        )
