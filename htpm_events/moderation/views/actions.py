"""A moderator's actions on one event: edit, feature, cancel, un-publish, merge."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...events.models import Event
from ...events.services import form_data
from ...extensions import db
from ...submissions.forms import EditForm
from .. import services
from ..duplicates import duplicates_of
from ..forms import MergeForm, ReasonForm, ToggleForm
from ..notify import queue_all
from ..services import ActionRefused, cancel_event, edit_event, set_featured
from . import bp
from .review import event_or_404


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int):
    """The submission form, filled in; a published event changes at once."""
    event = event_or_404(event_id)
    form = EditForm() if request.method == "POST" else EditForm(data=form_data(event))
    form.current_flyer = event.flyer.filename if event.flyer else None
    form.editing = event
    if form.validate_on_submit():
        changed = edit_event(
            event, current_user, form.data, form.upload, bool(form.remove_flyer.data)
        )
        db.session.commit()
        if changed:
            flash(_("Saved: %(fields)s.", fields=", ".join(changed)), "success")
        else:
            flash(_("Nothing was changed."), "success")
        return redirect(url_for("moderation.review", event_id=event.id))
    status = 400 if request.method == "POST" else 200
    return render_template("moderation/edit.html", event=event, form=form), status


@bp.route("/events/<int:event_id>/feature", methods=["POST"])
def feature(event_id: int):
    event = event_or_404(event_id)
    form = ToggleForm()
    if not form.validate_on_submit():
        flash(_("That request could not be understood; try again."), "error")
        return redirect(url_for("moderation.review", event_id=event.id))
    message = set_featured(event, current_user, form.on.data)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("moderation.review", event_id=event.id))


def reason_action(event_id: int, action, template: str):
    """Cancel and un-publish: a page asking for the reason, then the action."""
    event = event_or_404(event_id)
    form = ReasonForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                outcome = action(event, current_user, form.reason.data)
            except ActionRefused as refused:
                db.session.rollback()
                form.reason.errors = [*form.reason.errors, str(refused)]
                return render_template(template, event=event_or_404(event_id), form=form), 409
            queue_all(outcome.mails)
            db.session.commit()
            flash(outcome.message, "success")
            return redirect(url_for("moderation.review", event_id=event.id))
        status = 400
    return render_template(template, event=event, form=form), status


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
def cancel(event_id: int):
    return reason_action(event_id, cancel_event, "moderation/cancel.html")


@bp.route("/events/<int:event_id>/unpublish", methods=["GET", "POST"])
def unpublish(event_id: int):
    return reason_action(event_id, services.unpublish, "moderation/unpublish.html")


@bp.route("/events/<int:event_id>/merge", methods=["GET", "POST"])
def merge(event_id: int):
    """Merge this event (the duplicate) into the original."""
    duplicate = event_or_404(event_id)
    candidates = duplicates_of(duplicate)
    form = MergeForm()
    if request.method == "GET":
        chosen = request.args.get("into", type=int)
        form.into.data = chosen or (candidates[0].event.id if candidates else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            original = db.session.get(Event, form.into.data)
            if original is None:
                form.into.errors = [*form.into.errors, f"There is no event #{form.into.data}."]
                status = 404
            else:
                try:
                    outcome = services.merge(duplicate, original, current_user, form.reason.data)
                except ActionRefused as refused:
                    db.session.rollback()
                    form.into.errors = [*form.into.errors, str(refused)]
                    status = 409
                else:
                    queue_all(outcome.mails)
                    db.session.commit()
                    flash(outcome.message, "success")
                    return redirect(url_for("moderation.review", event_id=original.id))
    page = render_template(
        "moderation/merge.html", event=duplicate, candidates=candidates, form=form
    )
    return page, status
