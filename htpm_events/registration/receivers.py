"""How registrations follow their event: a published change gives free seats to the waitlist
(a raised capacity) and sends every registrant whose calendar holds another time, place or
join link the updated invitation; a cancellation sends everyone the cancellation."""

from __future__ import annotations

from ..events import signals
from ..events.models import Event
from ..feeds.ical import attendee_fingerprint
from . import mails
from .models import CONFIRMED, WAITLISTED
from .services import active, promote, waitlisted_occurrences


@signals.published.connect
def follow_change(event: Event, **_) -> None:
    if event.registration_mode != "hub" or event.id is None:
        return
    for occurrence in waitlisted_occurrences(event.id):
        for registration in promote(event, occurrence):
            mails.send(registration, "promoted")
    for registration in active(event.id):
        if registration.status != CONFIRMED or registration.ics_fingerprint is None:
            continue
        if registration.ics_fingerprint != attendee_fingerprint(event, registration.occurrence):
            mails.send(registration, "updated")


@signals.cancelled.connect
def follow_cancellation(event: Event, **_) -> None:
    if event.registration_mode != "hub" or event.id is None:
        return
    for registration in active(event.id):
        if registration.status in (CONFIRMED, WAITLISTED):
            mails.send(registration, "event-cancelled")
