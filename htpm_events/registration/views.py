"""Hub registration pages: the form (``/events/<id>/register`` for hub-mode events, through
the calendar's URL rule), the attendee's cancel page (``/registration/<token>``: GET shows,
only POST cancels), and the organizer's tools under the manage link: registrants per date,
CSV export, removing someone, a message to everyone."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from ..db import MAX_ID
from ..events.models import Event
from ..events.services import event_for_token, event_time_label
from ..extensions import db, limiter
from ..feeds.ical import occurrence_bounds
from ..moderation.models import AuditEntry
from ..submissions.services import audit
from ..text import spreadsheet_safe
from ..timeutil import now_utc
from . import mails
from .forms import MessageForm, RegistrationForm
from .models import CANCELLED, CONFIRMED, WAITLISTED, Registration
from .services import (
    RegistrationRefused,
    active,
    cancel,
    counts,
    lock_occurrence,
    open_occurrences,
    register,
    registration_for_token,
    seats_left,
)

log = logging.getLogger(__name__)
bp = Blueprint("registration", __name__)

#: Messages an organizer may send to all registrants of one event per day.
MESSAGES_PER_DAY = 3


def occurrence_label(event: Event, day: date) -> str:
    start, end = occurrence_bounds(event, day)
    return event_time_label(event, start, end)


def seat_note(event: Event, day: date) -> str:
    left = seats_left(event, day)
    if left <= 0:
        return _("full: you join the waitlist")
    return _("%(left)s of %(num)s places left", left=left, num=event.capacity)


def consent_label(form: RegistrationForm) -> None:
    days = int(current_app.config.get("HTPM_REGISTRATION_RETENTION_DAYS") or 30)
    form.consent.label.text = _(
        "I agree that the organizer sees my name, e-mail and needs to run this event. "
        "The hub deletes them %(days)s days after the event.",
        days=days,
    )


def error_list(form) -> list[tuple[str, str]]:
    return [
        (f"field-{f.id}", _("%(what)s: %(value)s", what=f.label.text, value=f.errors[0]))
        for f in form
        if f.errors
    ]


def render_form(event: Event, form: RegistrationForm, days: list[date], status: int = 200):
    choices = [(day.isoformat(), f"{occurrence_label(event, day)} — {seat_note(event, day)}")
               for day in days]  # fmt: skip
    form.occurrence.choices = choices
    single = days[0] if len(days) == 1 else None
    return render_template(
        "registration/form.html",
        event=event,
        form=form,
        errors=error_list(form),
        single=single,
        single_label=occurrence_label(event, single) if single else None,
        seats=seat_note(event, single) if single else None,
        left=seats_left(event, single) if single else None,
    ), status


def hub_register(event: Event):
    """The form of a hub-mode event whose registration is open (GET shows, POST registers)."""
    days = open_occurrences(event)
    if not days:
        return closed(event)
    form = RegistrationForm()
    consent_label(form)
    form.occurrence.choices = [(day.isoformat(), day.isoformat()) for day in days]
    if len(days) == 1 and not form.occurrence.data:
        form.occurrence.data = days[0].isoformat()
    if request.method == "GET":
        return render_form(event, form, days)
    if form.is_spam:
        current_app.logger.info("Registration refused by the honeypot for event %s", event.id)
        session["registered"] = {"event_id": event.id, "outcome": "confirmed", "email": ""}
        return redirect(url_for("registration.done", event_id=event.id), 303)
    if not form.validate_on_submit():
        return render_form(event, form, days, 400)
    occurrence = date.fromisoformat(form.occurrence.data)
    event_id = event.id
    db.session.commit()  # what was read so far; seats are counted in a locked transaction
    try:
        lock_occurrence(event_id, occurrence)
        event = db.session.get(Event, event_id)
        registration, outcome = register(
            event, occurrence, form.name.data, form.email.data, form.needs.data
        )
    except RegistrationRefused as refused:
        db.session.rollback()
        event = db.session.get(Event, event_id)
        field = getattr(form, refused.field or "occurrence")
        field.errors = [*field.errors, str(refused)]
        days = open_occurrences(event)
        return render_form(event, form, days, 409) if days else closed(event)
    mails.send(registration, outcome)
    db.session.commit()
    log.info("Registration #%s for event %s: %s", registration.id, event_id, outcome)
    session["registered"] = {
        "event_id": event_id,
        "outcome": outcome,
        "email": registration.email,
        "when": occurrence_label(event, occurrence),
    }
    return redirect(url_for("registration.done", event_id=event_id), 303)


def closed(event: Event):
    return render_template("calendar/register.html", event=event, state="closed", now=now_utc())


@bp.route("/events/<int:event_id>/register/done")
def done(event_id: int):
    result = session.pop("registered", None)
    if not result or result.get("event_id") != event_id:
        return redirect(url_for("calendar.register", event_id=event_id), 303)
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return render_template("registration/done.html", event=event, result=result)


def cancel_and_promote(registration: Registration, kind: str) -> list[Registration] | None:
    """Cancel under the date's lock, tell the person (``kind`` of e-mail) and whoever gets
    the place; the caller commits. None when it was already cancelled meanwhile."""
    registration_id = registration.id
    event_id, occurrence = registration.event_id, registration.occurrence
    db.session.commit()  # what was read so far; the lock starts a transaction of its own
    lock_occurrence(event_id, occurrence)
    registration = db.session.get(Registration, registration_id)
    if registration.status == CANCELLED:
        return None
    promoted = cancel(registration)
    mails.send(registration, kind)
    for other in promoted:
        mails.send(other, "promoted")
    return promoted


# --- the attendee's cancel link ------------------------------------------------------------------


def registration_or_404(token: str) -> Registration:
    registration = registration_for_token(token)
    if registration is None:
        abort(
            404,
            description=_(
                "This cancel link is not valid: it may be incomplete (copy the whole "
                "link from the e-mail), or you registered again since and a newer e-mail has "
                "the current link."
            ),
        )
    return registration


@bp.route("/registration/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def attendee(token: str):
    """GET says what would be cancelled (link previews and mail scanners fetch URLs);
    only the button's POST cancels."""
    registration = registration_or_404(token)
    event = registration.event
    label = occurrence_label(event, registration.occurrence)
    if request.method == "POST" and registration.status != CANCELLED:
        promoted = cancel_and_promote(registration, "cancelled")
        if promoted is not None:
            db.session.commit()
            log.info(
                "Registration #%s cancelled by the attendee; promoted %s",
                registration.id,
                [other.id for other in promoted],
            )
            flash(_("Your registration is cancelled. A confirmation is on its way."), "success")
        return redirect(url_for(".attendee", token=token), 303)
    return render_template(
        "registration/attendee.html", registration=registration, event=event, when=label
    )


# --- the organizer, with the manage link ---------------------------------------------------------


def managed_event_or_404(token: str) -> Event:
    event = event_for_token(token)
    if event is None:
        abort(404)
    return event


def organizer_view(event: Event) -> dict:
    """Registrants per occurrence for the manage page."""
    by_day: dict[date, dict] = {}
    for registration in active(event.id):
        day = by_day.setdefault(
            registration.occurrence,
            {"label": occurrence_label(event, registration.occurrence), CONFIRMED: [],
             WAITLISTED: []},
        )  # fmt: skip
        day[registration.status].append(registration)
    for day in by_day.values():
        day[WAITLISTED].sort(key=lambda r: (r.created, r.id))
    totals = counts(event.id)
    return {
        "days": sorted(by_day.items()),
        "totals": totals,
        "message_form": MessageForm(formdata=None),
        "messages_left": messages_left(event),
    }


def messages_left(event: Event) -> int:
    sent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.event_id == event.id,
            AuditEntry.action == "message-registrants",
            AuditEntry.at >= now_utc() - timedelta(days=1),
        )
    )
    return max(MESSAGES_PER_DAY - (sent or 0), 0)


@bp.route("/manage/<token>/registrations.csv")
def export(token: str):
    event = managed_event_or_404(token)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date", "status", "name", "email", "needs", "registered_utc", "promoted_utc"])
    for registration in active(event.id):
        writer.writerow(
            [
                registration.occurrence.isoformat(),
                registration.status,
                spreadsheet_safe(registration.name),
                spreadsheet_safe(registration.email),
                spreadsheet_safe(registration.needs or ""),
                f"{registration.created:%Y-%m-%d %H:%M}",
                f"{registration.promoted_at:%Y-%m-%d %H:%M}" if registration.promoted_at else "",
            ]
        )
    name = f"registrations-event-{event.id}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),  # a BOM, so that spreadsheets read UTF-8 names right
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/manage/<token>/registrations/<int:registration_id>/remove", methods=["POST"])
@limiter.limit("120 per hour")
def remove(token: str, registration_id: int):
    event = managed_event_or_404(token)
    registration = (
        db.session.get(Registration, registration_id) if registration_id <= MAX_ID else None
    )
    if registration is None or registration.event_id != event.id:
        abort(404, description=_("There is no such registration for this event."))
    if registration.status != CANCELLED:
        promoted = cancel_and_promote(registration, "removed")
        if promoted is not None:
            audit(event, "remove-registrant", registration=registration_id)
            db.session.commit()
            flash(
                _(
                    "The registration is cancelled and the person is told. The first person "
                    "on the waitlist got the place."
                )
                if promoted
                else _("The registration is cancelled and the person is told."),
                "success",
            )
    return redirect(url_for("submissions.manage", token=token, _anchor="registrations"), 303)


@bp.route("/manage/<token>/registrations/message", methods=["POST"])
@limiter.limit("10 per hour")
def message(token: str):
    event = managed_event_or_404(token)
    form = MessageForm()
    if messages_left(event) <= 0:
        flash(_("You can send %(num)s messages a day to registrants. Please try again tomorrow.",
                num=MESSAGES_PER_DAY), "error")  # fmt: skip
        return redirect(url_for("submissions.manage", token=token, _anchor="message"), 303)
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(_("%(what)s: %(value)s", what=field.label.text, value=error), "error")
        return redirect(url_for("submissions.manage", token=token, _anchor="message"), 303)
    recipients = [r for r in active(event.id) if r.status in (CONFIRMED, WAITLISTED)]
    for registration in recipients:
        mails.send(registration, "message", subject=form.subject.data, message=form.body.data)
    audit(event, "message-registrants", recipients=len(recipients))
    db.session.commit()
    flash(ngettext("Your message is on its way to %(num)s registrant.",
                   "Your message is on its way to %(num)s registrants.", len(recipients)),
          "success")  # fmt: skip
    return redirect(url_for("submissions.manage", token=token, _anchor="registrations"), 303)


@bp.after_request
def private_headers(response):
    """Cancel links and manage pages carry a secret in their URL."""
    if request.endpoint in ("registration.attendee", "registration.export", "registration.done"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response
