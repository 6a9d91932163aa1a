"""The e-mails of hub registration, queued in the outbox in the transaction of the change:
confirmation, waitlist notice, promotion, reminder, calendar update and cancellation.

Those that put the event in a calendar carry an iTIP ``.ics`` (``feeds/ical.invitation``):
``text/calendar; method=REQUEST`` for a confirmation or an update and ``method=CANCEL`` for a
cancellation, METHOD in the MIME type and in the file agreeing (RFC 6047), the same UID for
one person's registration every time and a SEQUENCE that only goes up (RFC 5546)."""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app, render_template
from flask_babel import gettext as _

from ..events.services import event_time_label
from ..feeds.ical import attendee_fingerprint, invitation, occurrence_bounds
from ..i18n import locale_of
from ..links import absolute, event_url
from ..mail import Attachment, queue_mail
from ..vocab import N_
from .models import Registration
from .services import cancel_token

#: (subject prefix, template, calendar method or None) of each kind of message.
KINDS = {
    "confirmed": (N_("You are registered"), "confirmed.txt", "REQUEST"),
    "again": (N_("You are registered"), "confirmed.txt", "REQUEST"),
    "waitlisted": (N_("You are on the waitlist"), "waitlisted.txt", None),
    "promoted": (N_("A place opened up: you are registered"), "confirmed.txt", "REQUEST"),
    "reminder": (N_("Tomorrow"), "reminder.txt", None),
    "updated": (N_("Changed"), "updated.txt", "REQUEST"),
    "cancelled": (N_("Registration cancelled"), "cancelled.txt", "CANCEL"),
    "event-cancelled": (N_("Cancelled"), "event_cancelled.txt", "CANCEL"),
    "removed": (N_("Registration cancelled by the organizer"), "removed.txt", "CANCEL"),
    "message": ("", "message.txt", None),  # the organizer's own subject
}


def organizer_address() -> str:
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1] or "no-reply@localhost"


def cancel_url(registration: Registration) -> str:
    return absolute(f"/registration/{cancel_token(registration, registration.event)}")


def send(registration: Registration, kind: str, **extra) -> None:
    """Queue one message of ``kind`` to the registrant (never commits)."""
    with locale_of(registration.locale):
        queue_message(registration, kind, **extra)


def queue_message(registration: Registration, kind: str, **extra) -> None:
    subject, template, method = KINDS[kind]
    subject = _(subject) if subject else subject
    event = registration.event
    start, end = occurrence_bounds(event, registration.occurrence)
    attachments = []
    if method == "CANCEL" and registration.ics_fingerprint is None:
        method = None  # never in that person's calendar (a waitlist): nothing to remove
    if method is not None:
        fingerprint = attendee_fingerprint(event, registration.occurrence)
        same_version = kind == "again" and registration.ics_fingerprint == fingerprint
        sequence = max(event.sequence, registration.ics_sequence + (0 if same_version else 1))
        registration.ics_sequence = sequence
        registration.ics_fingerprint = fingerprint
        content = invitation(
            event,
            registration.occurrence,
            method=method,
            sequence=sequence,
            organizer=organizer_address(),
            attendee=registration.email,
            attendee_name=registration.name,
        )
        attachments.append(
            Attachment(
                "invite.ics" if method == "REQUEST" else "cancel.ics",
                content,
                f"text/calendar; method={method}; charset=UTF-8",
            )
        )
    body = render_template(
        f"registration/email/{template}",
        registration=registration,
        event=event,
        when=event_time_label(event, start, end),
        page=event_url(event),
        cancel_link=cancel_url(registration),
        kind=kind,
        **extra,
    )
    if kind == "message":
        subject = extra["subject"]
    queue_mail(
        registration.email,
        _("%(subject)s: %(title)s", subject=subject, title=event.title),
        body,
        attachments,
    )
