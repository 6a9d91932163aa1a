"""The e-mails a submitter gets about a moderator's decision. Services build them; the view
queues them in the decision's transaction, so no e-mail announces a decision that was lost and
no decision goes unannounced."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import current_app
from flask_babel import gettext as _

from ..events.models import Event
from ..events.services import issue_manage_token
from ..i18n import locale_of
from ..links import event_url
from ..mail import queue_mail
from ..submissions.services import manage_url
from ..vocab import N_


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


HOTLINE = N_(
    "National Human Trafficking Hotline: 1-888-373-7888 (text 233733), confidential, 24/7."
)


def in_contact_language(build):
    """Build the mail in the language the event's contact used (``event.locale``)."""

    @wraps(build)
    def wrapper(event: Event, *args, **kwargs):
        with locale_of(event.locale):
            return build(event, *args, **kwargs)

    return wrapper


def footer() -> str:
    """The hotline, and an invitation to reply only where replies reach someone
    (``MAIL_REPLY_TO``, the moderators' address; the sender is a no-reply address)."""
    if current_app.config.get("MAIL_REPLY_TO"):
        return _("Questions? Reply to this message.") + "\n\n" + _(HOTLINE)
    return _(HOTLINE)


def compose(event: Event, subject: str, lead: str, reason: str | None, reason_label: str) -> Mail:
    hello = _("Hello %(name)s,", name=event.contact_name) if event.contact_name else _("Hello,")
    parts = [hello, lead]
    if reason:
        parts.append(f"{reason_label}:\n{reason}")
    if event.status in ("approved", "cancelled"):
        parts.append(_("The public page: %(link)s", link=public_link(event)))
    parts.append(
        _(
            "See its status, edit or cancel it, and see registrations with your private link "
            "(keep it to yourself):"
        )
        + f"\n{manage_link(event)}"
    )
    parts.append(footer())
    subject = _("%(subject)s: %(title)s", subject=subject, title=event.title)
    return Mail(event.contact_email, subject, "\n\n".join(parts))


@in_contact_language
def decision_mail(event: Event, decision: str, reason: str | None, change: bool) -> Mail:
    title = f"“{event.title}”"
    if decision == "approve":
        if change:
            lead = _("The change you submitted to %(title)s was approved and is now public.",
                     title=title)  # fmt: skip
        else:
            lead = _("%(title)s was approved and is now on the HTPM Events Hub calendar.",
                     title=title)  # fmt: skip
        return compose(event, _("Approved"), lead, reason, _("The moderator's note"))
    if decision == "reject":
        if change:
            lead = _(
                "The change you submitted to %(title)s was not accepted; "
                "the published version stays as it was.",
                title=title,
            )
        else:
            lead = _("%(title)s was not accepted for the HTPM Events Hub calendar.", title=title)
        return compose(event, _("Not accepted"), lead, reason, _("The moderator's reason"))
    if change:
        lead = _(
            "A moderator asks for changes to %(title)s before your change can be published. "
            "Edit the event with your private link below; it comes back to the moderators then.",
            title=title,
        )
    else:
        lead = _(
            "A moderator asks for changes to %(title)s before it can be published. "
            "Edit the event with your private link below; it comes back to the moderators then.",
            title=title,
        )
    return compose(event, _("Changes requested"), lead, reason, _("What to change"))


@in_contact_language
def action_mail(event: Event, action: str, reason: str | None, into: Event | None = None) -> Mail:
    title = f"“{event.title}”"
    if action == "cancel":
        return compose(
            event,
            _("Cancelled"),
            _(
                "A moderator marked %(title)s as cancelled. "
                "Its page and the calendar feeds say so.",
                title=title,
            ),  # fmt: skip
            reason,
            _("The moderator's reason"),
        )
    if action == "unpublish":
        return compose(
            event,
            _("Taken off the calendar"),
            _(
                "A moderator took %(title)s off the public calendar for another review.",
                title=title,
            ),  # fmt: skip
            reason,
            _("The moderator's reason"),
        )
    assert action == "merge" and into is not None
    where = public_link(into) if into.status == "approved" else _("event #%(id)s", id=into.id)
    return compose(
        event,
        _("Merged with another listing"),
        _(
            "%(title)s was listed twice on the hub, so a moderator merged it into one listing: "
            "%(where)s\nYour organization is credited there as a co-host and your "
            "registration link is kept.",
            title=title,
            where=where,
        ),
        reason,
        _("The moderator's note"),
    )


def queue_all(mails: list[Mail]) -> None:
    """Into the outbox, in the current transaction (before the view commits)."""
    for mail in mails:
        if not mail.to:
            continue  # an imported event whose source has no contact: nobody to tell
        queue_mail(mail.to, mail.subject, mail.body)
