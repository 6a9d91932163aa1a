"""The queue, bulk decisions and the "recently auto-published" spot-check list."""

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ...events.models import Event
from ...extensions import db
from ...registration.linkcheck import flagged
from ...timeutil import now_utc
from ..forms import BulkDecisionForm
from ..models import AuditEntry
from ..notify import queue_all
from ..queue import KINDS, BadFilter, parse_filters, queue_items
from ..services import ActionRefused, decide
from . import bp

#: What the moderator is told after a bulk decision on ``n`` items.
BULK_DONE = {
    "approve": lambda n: ngettext("Approved %(num)d item.", "Approved %(num)d items.", n),
    "reject": lambda n: ngettext("Rejected %(num)d item.", "Rejected %(num)d items.", n),
    "request-changes": lambda n: ngettext(
        "Asked for changes to %(num)d item.", "Asked for changes to %(num)d items.", n
    ),
}

#: Items shown on one queue page (the counts cover them all).
SHOWN = 200
#: How far back the "recently auto-published" list looks.
AUTO_DAYS = 14


def render_queue(form: BulkDecisionForm, status: int = 200):
    try:
        filters = parse_filters(request.args)
    except BadFilter as bad:
        abort(400, description=str(bad))
    items = queue_items(filters, with_duplicates=True)
    counts = {kind: sum(1 for i in items if i.kind == kind) for kind in KINDS}
    page = render_template(
        "moderation/queue.html",
        items=items[:SHOWN],
        total=len(items),
        counts=counts,
        filters=filters,
        kinds=KINDS,
        form=form,
        broken_links=flagged(),
    )
    return page, status


@bp.route("")
def queue():
    return render_queue(BulkDecisionForm(formdata=None))


@bp.route("/bulk", methods=["POST"])
def bulk():
    """One decision for every selected item; items that cannot take it are reported."""
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        return render_queue(form, 400)
    events = db.session.scalars(
        sa.select(Event)
        .where(Event.id.in_(form.items.data))
        .order_by(Event.id)
        .options(selectinload(Event.revisions), selectinload(Event.organization))
    ).all()
    mails, done, refused = [], 0, []
    for event in events:
        try:
            outcome = decide(event, current_user, form.decision.data, form.reason.data)
        except ActionRefused as exc:
            refused.append(f"#{event.id} {event.title}: {exc}")
            continue
        mails.extend(outcome.mails)
        done += 1
    queue_all(mails)
    db.session.commit()
    missing = len(set(form.items.data)) - len(events)
    flash(BULK_DONE[form.decision.data](done), "success")
    for message in refused:
        flash(_("Not changed: %(message)s", message=message), "error")
    if missing:
        flash(ngettext("%(num)d selected item no longer exists.",
                       "%(num)d selected items no longer exist.", missing), "error")  # fmt: skip
    try:  # back to the same filters; only known ones (``endpoint=`` or ``_scheme=`` would
        # reach url_for as its own arguments)
        back = parse_filters(request.args).args()
    except BadFilter:
        back = {}
    return redirect(url_for("moderation.queue", **back))


@bp.route("/auto-published")
def auto_published():
    """Events that skipped the queue (trusted organization or domain) in the last 14 days,
    for spot checks."""
    since = now_utc() - timedelta(days=AUTO_DAYS)
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .join(Event, AuditEntry.event_id == Event.id)
        .where(
            AuditEntry.action == "auto-publish",
            AuditEntry.at >= since,
            Event.status == "approved",
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .options(selectinload(AuditEntry.event).selectinload(Event.organization))
    ).all()
    latest = {}
    for entry in entries:  # newest first: keep one line per event
        latest.setdefault(entry.event_id, entry)
    return render_template(
        "moderation/auto_published.html", entries=list(latest.values()), days=AUTO_DAYS
    )
