"""The public submission form, the thank-you and how-to pages, the submitter's private
manage link (status, edit, cancel) and the public flyer download."""

from __future__ import annotations

from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from ..events.models import Event, Flyer, Organization
from ..events.services import event_for_token, manage_token
from ..extensions import db, limiter
from ..registration.views import organizer_view
from ..text import slugify
from ..vocab import N_
from ..web import vocab_label
from . import notices, replay
from .forms import EXTENSIONS, CancelForm, EditForm, SubmissionForm
from .services import (
    EDITABLE_STATUSES,
    cancel_event,
    confirm_contact,
    edit_event,
    edit_form_data,
    pending_revision,
    preview_event,
    registration_counts,
    submit_event,
)

bp = Blueprint("submissions", __name__)

PRIVATE_ENDPOINTS = {"submissions.manage", "submissions.edit", "submissions.cancel"}


def saved(response) -> bool:
    """Only a submission that went through (a redirect) counts towards the hourly limit."""
    return response.status_code in (302, 303)


@bp.route("/submit", methods=["GET", "POST"])
@limiter.limit(
    "20 per hour",
    methods=["POST"],
    deduct_when=saved,
    error_message="This connection has sent 20 events in the last hour. Please try again "
    "later, or send a batch as a CSV file to the moderators.",
)
@limiter.limit(
    "120 per hour",
    methods=["POST"],
    error_message="Too many attempts from this connection. Please try again in an hour.",
)
def submit():
    form = SubmissionForm()
    if request.method == "GET":
        return render_submit(form)
    if form.is_spam:
        # A robot filled the honeypot: answer like a success, save and send nothing.
        current_app.logger.info("Submission refused by the honeypot from %s", request.remote_addr)
        return redirect(url_for(".thanks"), 303)
    if not form.validate_on_submit():
        return render_submit(form, 400)
    if "preview" in request.form:
        return render_submit(form, preview=preview_event(form.data))
    if flyer_lost(form):
        return render_submit(form, 400)

    digest = replay.fingerprint(form, form.upload.data if form.upload else None)
    earlier = claim_or_replay("submit", form.replay_key.data, digest)
    if earlier is not None:
        if not replay.is_replay(earlier, "submit", digest):
            form.replay_key.data = replay.new_key()
            return render_submit(form, 409, notice=_(REUSED_FORM))
        # The same form again (a double click, a retry): the first one's thank-you page.
        event = db.session.get(Event, earlier.event_id)
        session["submitted"] = submitted(event, manage_token(event))
        return redirect(url_for(".thanks"), 303)
    event, token = submit_event(form.data, form.upload)
    replay.record(form.replay_key.data, event.id)
    notices.receipt(event)
    notices.to_moderators(event, "new")
    db.session.commit()
    session["submitted"] = submitted(event, token)
    return redirect(url_for(".thanks"), 303)


REUSED_FORM = N_(
    "This form was already sent once, with other content, so nothing was saved this time. "
    "Check the form and send it again to save it as shown."
)


def submitted(event: Event, token: str) -> dict:
    """What the thank-you page shows (once)."""
    return {
        "title": event.title,
        "email": event.contact_email,
        "manage_url": url_for(".manage", token=token),
    }


def claim_or_replay(form_name: str, key: str, digest: str):
    """None when this POST claimed its one-time key and goes on with the work; otherwise the
    earlier POST's :class:`~.models.FormReplay` row (one sent before, or at the same moment:
    then the claim waits for that one to commit)."""
    earlier = replay.find(key)
    if earlier is None:
        if replay.claim(form_name, key, digest):
            return None
        db.session.rollback()
        earlier = replay.find(key)
    return earlier


def flyer_lost(form: SubmissionForm | EditForm) -> bool:
    """A flyer chosen before the page came back (a preview or an error) was not chosen
    again: say so at the field instead of dropping it silently. Sending the form once more
    as it is goes on without a flyer."""
    if not form.flyer_previewed.data or form.upload is not None:
        return False
    form.flyer.errors = [
        _(
            "Choose %(file)s again: browsers do not keep a chosen file between pages. To go "
            "on without this flyer, send the form again as it is.",
            file=form.flyer_previewed.data,
        )
    ]
    form.flyer_previewed.data = ""
    return True


def remember_flyer(form: SubmissionForm | EditForm) -> None:
    if form.upload is not None:
        form.flyer_previewed.data = form.upload.filename


def renew_bad_key(form) -> None:
    """A damaged one-time key is said at the field and replaced, so that sending the form
    again works."""
    if form.replay_key.errors:
        form.replay_key.data = replay.new_key()


def render_submit(
    form: SubmissionForm, status: int = 200, preview: Event | None = None, notice: str = ""
):
    remember_flyer(form)
    renew_bad_key(form)
    return render_template(
        "submissions/submit.html",
        form=form,
        preview=preview,
        errors=error_list(form),
        notice=notice,
    ), status


def error_list(form) -> list[tuple[str, str]]:
    """(anchor, message) for the summary at the top of a form that came back with errors."""
    return [
        (f"field-{f.id}", _("%(what)s: %(value)s", what=f.label.text, value=f.errors[0]))
        for f in form
        if f.errors
    ]


@bp.route("/submit/thanks")
def thanks():
    # The manage link is shown once: it leaves the session as the page is rendered.
    return render_template("submissions/thanks.html", submitted=session.pop("submitted", None))


@bp.route("/submit/how")
def how_to():
    return render_template("submissions/how.html")


# --- the manage link ---------------------------------------------------------------------


def event_or_404(token: str) -> Event:
    event = event_for_token(token)
    if event is None:
        abort(404)
    return event


@bp.route("/manage/<token>")
def manage(token: str):
    event = event_or_404(token)
    if "confirm" in request.args:
        # The e-mailed link: confirms the contact address (trusted submitters publish now),
        # then drops the key from the address bar.
        if confirm_contact(event, request.args.get("confirm")):
            flash(_("Thank you for confirming your address: your event is published."), "success")
        db.session.commit()
        return redirect(url_for(".manage", token=token), 303)
    return render_manage(event, token, CancelForm())


def render_manage(event: Event, token: str, cancel_form: CancelForm, status: int = 200):
    return render_template(
        "submissions/manage.html",
        event=event,
        token=token,
        cancel_form=cancel_form,
        revision=pending_revision(event),
        registrations=registration_counts(event),
        organizer=organizer_view(event) if event.registration_mode == "hub" else None,
        editable=event.status in EDITABLE_STATUSES,
    ), status


@bp.route("/manage/<token>/edit", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["POST"])
def edit(token: str):
    event = event_or_404(token)
    if event.status not in EDITABLE_STATUSES:
        flash(
            _("A %(status)s event cannot be edited.", status=vocab_label(event.status, "status")),
            "error",
        )
        return redirect(url_for(".manage", token=token), 303)
    form = EditForm() if request.method == "POST" else EditForm(data=edit_form_data(event))
    form.current_flyer = event.flyer.filename if event.flyer else None
    notice = ""
    form.editing = event
    if form.validate_on_submit() and not flyer_lost(form):
        digest = replay.fingerprint(form, form.upload.data if form.upload else None)
        earlier = claim_or_replay("edit", form.replay_key.data, digest)
        if earlier is None:
            return save_edit(event, token, form)
        if replay.is_replay(earlier, "edit", digest, event.id):
            flash(_(EDIT_MESSAGES[earlier.outcome]), "success")
            return redirect(url_for(".manage", token=token), 303)
        form.replay_key.data = replay.new_key()
        notice = _(REUSED_FORM)
    remember_flyer(form)
    renew_bad_key(form)
    return render_template(
        "submissions/edit.html",
        form=form,
        event=event,
        token=token,
        notice=notice,
        errors=error_list(form),
        held=event.status == "approved",
        revision=pending_revision(event),
    ), (409 if notice else 400) if request.method == "POST" else 200


def save_edit(event: Event, token: str, form: EditForm):
    old_contact = event.contact_email
    outcome = edit_event(event, form.data, form.upload, form.remove_flyer.data)
    replay.record(form.replay_key.data, event.id, outcome)
    if outcome in ("held", "resubmitted"):
        notices.to_moderators(event, outcome)
    if outcome != "held" and event.contact_email.lower() != old_contact.lower():
        notices.receipt(event, changed_contact=True)
    db.session.commit()
    flash(_(EDIT_MESSAGES[outcome]), "success")
    return redirect(url_for(".manage", token=token), 303)


EDIT_MESSAGES = {
    "updated": N_("Your changes are saved. The event is still waiting for review."),
    "resubmitted": N_("Your changes are saved and sent back to the moderators for review."),
    "held": N_(
        "Your change is waiting for review. Until a moderator approves it, the published "
        "version stays as it was."
    ),
    "published": N_("Your changes are saved and published."),
}


#: The cancel form carries nothing but its confirmation, so its content is always the same.
CANCELLED = "cancel"


@bp.route("/manage/<token>/cancel", methods=["POST"])
@limiter.limit("60 per hour")
def cancel(token: str):
    event = event_or_404(token)
    form = CancelForm()
    valid = form.validate_on_submit()
    earlier = replay.find(form.replay_key.data) if valid else None
    if earlier is None:
        if event.status not in EDITABLE_STATUSES:
            flash(
                _(
                    "This event is %(status)s: there is nothing to cancel.",
                    status=vocab_label(event.status, "status"),
                )
            )
            return redirect(url_for(".manage", token=token), 303)
        if not valid:
            renew_bad_key(form)
            return render_manage(event, token, form, 400)
        earlier = claim_or_replay("cancel", form.replay_key.data, CANCELLED)
    if earlier is not None:
        if replay.is_replay(earlier, "cancel", CANCELLED, event.id):
            flash(_("The event is cancelled."), "success")  # the same words as the first time
        else:
            flash(_("That form was already used. Nothing was changed."), "error")
        return redirect(url_for(".manage", token=token), 303)
    cancel_event(event)
    replay.record(form.replay_key.data, event.id, "cancelled")
    notices.cancelled(event)
    db.session.commit()
    flash(_("The event is cancelled."), "success")
    return redirect(url_for(".manage", token=token), 303)


@bp.after_request
def private_headers(response):
    """The manage pages carry a secret in their URL: keep them out of caches and indexes."""
    if request.endpoint in PRIVATE_ENDPOINTS or request.endpoint == "submissions.thanks":
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- the flyer ---------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/flyer")
def flyer(event_id: int):
    """The flyer of a public event, with the type detected at upload."""
    item = db.session.scalar(
        sa.select(Flyer)
        .join(Event)
        .where(
            Flyer.event_id == event_id,
            Event.status.in_(("approved", "cancelled")),
            Event.published.is_not(None),
        )
    )
    if item is None:
        abort(404)
    name = f"{slugify(item.event.title, 60)}-flyer.{EXTENSIONS.get(item.content_type, 'bin')}"
    response = send_file(
        BytesIO(item.data),
        mimetype=item.content_type,
        download_name=name,
        etag=f"flyer-{item.id}-{int(item.uploaded.timestamp())}",
        last_modified=item.uploaded,
        max_age=300,
    )
    return response


# --- shared by the templates and the error pages ----------------------------------------------


@bp.app_template_global()
def organization_suggestions() -> list[str]:
    """Names of organizations with a published event, for the form's <datalist> (names
    from unpublished submissions stay private)."""
    published = sa.select(Event.organization_id).where(Event.published.is_not(None))
    return list(
        db.session.scalars(
            sa.select(Organization.name)
            .where(Organization.id.in_(published))
            .order_by(Organization.name)
            .limit(2000)
        )
    )


STATUS_WORDS = {
    "pending": N_("waiting for review"),
    "approved": N_("published"),
    "rejected": N_("not accepted"),
    "changes-requested": N_("changes requested"),
    "cancelled": N_("cancelled"),
}


@bp.app_template_filter("status_words")
def status_words(status: str) -> str:
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


@bp.app_template_global()
def flyer_url(event: Event) -> str | None:
    """The public flyer link of an event, if it has one (for event pages)."""
    if event.id is None or event.published is None:
        return None
    if db.session.scalar(sa.select(Flyer.id).where(Flyer.event_id == event.id)) is None:
        return None
    return url_for("submissions.flyer", event_id=event.id)


@bp.errorhandler(413)
def too_large(error):
    return render_template(
        "error.html",
        code=413,
        title=_("That upload is too large"),
        message=_(
            "A flyer can be at most 5 MB, and the whole form 8 MB. Go back with your "
            "browser's Back button (what you typed is usually still there) and choose a "
            "smaller file."
        ),
    ), 413


@bp.errorhandler(CSRFError)
def csrf_failed(error):
    """An expired or missing form token: nothing is saved. The submission form comes back
    with what was typed and a fresh token, so nothing typed is lost."""
    if request.endpoint == "submissions.submit":
        form = SubmissionForm()
        form.validate()
        form.csrf_token.errors = []
        return render_submit(
            form,
            400,
            notice=_(
                "The form had expired or did not come from this site, so nothing was "
                "saved. Check your event and send it again."
            ),
        )
    return render_template(
        "error.html",
        code=400,
        title="That form had expired",
        message="Nothing was saved. Go back, reload the page and try again.",
    ), 400
