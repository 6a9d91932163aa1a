"""Reviewing one event and deciding on it (SPEC §8: decision and reason)."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ...events.models import Event
from ...events.services import form_data, revision_data
from ...extensions import db
from ...registration.stats import event_stats, svg_chart
from ...timeutil import now_utc
from ..changes import diff, flyer_change
from ..duplicates import duplicates_of
from ..forms import DecisionForm, ToggleForm
from ..models import AuditEntry
from ..notify import queue_all
from ..queue import next_item, organization_history, queue_key
from ..services import ActionRefused, decide, held_changes
from . import bp


def event_or_404(event_id: int) -> Event:
    return db.first_or_404(
        sa.select(Event)
        .where(Event.id == event_id)
        .options(
            selectinload(Event.organization),
            selectinload(Event.tags),
            selectinload(Event.revisions),
            selectinload(Event.cohosts),
            selectinload(Event.flyer),
        ),
        description=f"There is no event #{event_id}.",
    )


def render_review(event: Event, form: DecisionForm | None = None, status: int = 200):
    held = held_changes(event)
    revision = held[-1] if held else None
    changes, change_error = [], None
    if revision is not None:
        try:
            changes = diff(form_data(event), revision_data(revision.data))
        except ValueError as exc:
            change_error = str(exc)
        flyer = flyer_change(event.flyer.filename if event.flyer else None, revision.data)
        if flyer is not None:
            changes.append(flyer)
    if form is None:
        form = DecisionForm(formdata=None, revision=revision.id if revision else "")
    counts, recent = organization_history(event)
    history = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(30)
    ).all()
    merged_into = db.session.get(Event, event.merged_into_id) if event.merged_into_id else None
    stats = event_stats(event.id, now_utc().date())
    page = render_template(
        "moderation/review.html",
        stats=stats,
        chart=svg_chart(stats),
        event=event,
        revision=revision,
        held=held,
        changes=changes,
        change_error=change_error,
        duplicates=duplicates_of(event),
        org_counts=counts,
        org_recent=recent,
        history=history,
        merged_into=merged_into,
        next=next_item(queue_key(event), skip=event.id),
        form=form,
        feature_form=ToggleForm(formdata=None, on=not event.featured),
    )
    return page, status


@bp.route("/events/<int:event_id>")
def review(event_id: int):
    return render_review(event_or_404(event_id))


@bp.route("/events/<int:event_id>/decision", methods=["POST"])
def decision(event_id: int):
    """Approve, reject or ask for changes; then on to the next item of the queue."""
    event = event_or_404(event_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return render_review(event, form, 400)
    where = queue_key(event)
    try:
        outcome = decide(
            event, current_user, form.decision.data, form.reason.data, form.revision_id
        )
    except ActionRefused as refused:
        db.session.rollback()
        form.decision.errors = [*form.decision.errors, str(refused)]
        return render_review(event_or_404(event_id), form, 409)
    queue_all(outcome.mails)
    db.session.commit()
    following = next_item(where, skip=event.id)
    if following is None:
        flash(outcome.message + " " + _("The queue is empty."), "success")
        return redirect(url_for("moderation.queue"))
    flash(outcome.message + " " + _("Next in the queue:"), "success")
    return redirect(url_for("moderation.review", event_id=following.event.id))
