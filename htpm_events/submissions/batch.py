"""“Submit many events” (SPEC §1): an organization sends a CSV or .ics file, or proposes a
feed URL. A file's events go to the moderation queue together, under one private manage
link that lists them; a proposed URL becomes a pending source a moderator approves."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from importlib.resources import files

import sqlalchemy as sa
from flask import Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..events.forms import EVENT_FIELDS, strip
from ..events.models import Event
from ..events.services import issue_manage_token, manage_token
from ..extensions import db, limiter
from ..i18n import locale_of
from ..importers.base import ImportFailed
from ..importers.fetch import check_url
from ..importers.models import ImportSource
from ..importers.sources import SourceError, add_source
from ..importers.uploads import TooLarge, import_bytes, max_bytes, read_limited
from ..mail import queue_mail
from ..vocab import N_
from .services import absolute, moderators_by_locale
from .views import bp

#: What each column of the CSV template holds.
COLUMN_HELP = {
    "title": N_("required, at most 200 characters"),
    "organization": N_("required (or given on this page)"),
    "level": N_("federal, state, tribal, territorial, local or community"),
    "start_date": N_("required, YYYY-MM-DD"),
    "start_time": N_("HH:MM, local time in timezone; empty for all-day"),
    "timezone": N_("IANA name, default America/New_York"),
    "topics": N_("several separated by |"),
    "audiences": N_("several separated by |"),
    "languages": N_("codes such as en|es"),
    "accessibility": N_("several separated by |"),
    "all_day": N_("1 or empty"),
    "recurrence": N_("none, daily, weekly or monthly"),
    "registration_deadline": N_("YYYY-MM-DDTHH:MM local time"),
    "contact_email": N_("required (or given on this page); never shown publicly"),
}


class BatchForm(FlaskForm):
    organization = StringField(
        _l("Organization"),
        [DataRequired(_l("Enter your organization.")), Length(max=200)],
        filters=[strip],
        description=_l("Fills the organization of rows and events that leave it empty."),
    )
    contact_name = StringField(
        _l("Contact name"),
        [DataRequired(_l("Enter a contact name.")), Length(max=200)],
        filters=[strip],
    )
    contact_email = StringField(
        _l("Contact e-mail"),
        [DataRequired(_l("Enter a contact e-mail.")), Email(_l("Enter a valid e-mail address.")),
         Length(max=254)],
        filters=[strip],
        description=_l("The manage link goes here. Never shown publicly."),
    )  # fmt: skip
    file = FileField(_l("CSV or .ics file"))
    feed_url = StringField(
        _l("Or: your calendar's address (.ics URL)"),
        [Optional(), Length(max=2000)],
        filters=[strip],
        description=_l("A moderator checks it; then the hub keeps your events in sync with it."),
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def render_batch(form: BatchForm, status: int = 200, errors=None):
    return render_template(
        "submissions/batch.html",
        form=form,
        import_errors=errors or [],
        columns=[(c, _(COLUMN_HELP[c]) if c in COLUMN_HELP else "") for c in template_columns()],
    ), status


def template_columns() -> list[str]:
    return [c for c in EVENT_FIELDS if c != "recurrence_count"]


@bp.route("/submit/batch/template.csv")
def batch_template():
    """The CSV template: the §2 column names and one real example row."""
    sample = files("htpm_events") / "data" / "htpm-2026-sample.csv"
    with sample.open(encoding="utf-8") as stream:
        example = next(csv.DictReader(stream))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = template_columns()
    writer.writerow(columns)
    writer.writerow([example.get(c, "") for c in columns])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=htpm-events-template.csv"},
    )


@bp.route("/submit/batch", methods=["GET", "POST"])
@limiter.limit(
    "10 per hour",
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 200,  # a batch received
    error_message=lambda: _(
        "This connection has sent 10 batches in the last hour. Please try later."
    ),
)
def batch():
    form = BatchForm()
    if request.method == "GET":
        return render_batch(form)
    if not form.validate_on_submit():
        return render_batch(form, 400)
    upload = request.files.get("file")
    has_file = upload is not None and bool(upload.filename)
    if has_file and form.feed_url.data:
        form.feed_url.errors = [_("Send either a file or a calendar address, not both.")]
        return render_batch(form, 400)
    if not has_file and not form.feed_url.data:
        form.file.errors = [_("Choose a CSV or .ics file, or enter your calendar's address.")]
        return render_batch(form, 400)
    if form.feed_url.data:
        return propose_feed(form)
    try:
        data = read_limited(upload.stream, max_bytes())
        upload.close()
    except TooLarge as exc:
        upload.close()
        form.file.errors = [str(exc)]
        return render_batch(form, 400)
    if not data.strip():
        form.file.errors = [_("The file is empty.")]
        return render_batch(form, 400)

    token = secrets.token_urlsafe(32)
    source = ImportSource(
        kind="batch",
        url=f"batch:{secrets.token_hex(16)}",
        name=(upload.filename or "batch")[:200],
        organization=form.organization.data,
        contact_name=form.contact_name.data,
        contact_email=form.contact_email.data,
        manage_token_hash=hash_token(token),
        active=False,
    )
    db.session.add(source)
    db.session.flush()
    try:
        import_bytes(
            data,
            source,
            organization=form.organization.data,
            actor=f"batch {form.contact_email.data}",
            defaults={
                "contact_name": form.contact_name.data,
                "contact_email": form.contact_email.data,
            },
        )
    except ImportFailed as failed:
        db.session.rollback()
        form.file.errors = [
            ngettext(
                "%(num)d problem in the file; nothing was saved. Fix it and send the file again.",
                "%(num)d problems in the file; nothing was saved. "
                "Fix them and send the file again.",
                len(failed.result.errors),
            )
        ]
        return render_batch(form, 400, failed.result.errors)
    events = batch_events(source)
    for event in events:
        issue_manage_token(event)  # each event's own page, linked from the batch's
    link = absolute(url_for("submissions.manage_batch", token=token))
    queue_mail(
        form.contact_email.data,
        ngettext(
            "Your %(num)d event was received", "Your %(num)d events were received", len(events)
        ),
        render_template("submissions/email/batch_receipt.txt", events=events, link=link),
    )
    for code, recipients in moderators_by_locale().items():
        with locale_of(code):
            queue_mail(
                recipients,
                ngettext(
                    "New batch of %(num)d event to review: %(organization)s",
                    "New batch of %(num)d events to review: %(organization)s",
                    len(events),
                    organization=form.organization.data,
                ),
                render_template(
                    "submissions/email/batch_moderators.txt",
                    events=events,
                    organization=form.organization.data,
                    queue=absolute("/moderate"),
                ),
            )
    db.session.commit()
    return render_template(
        "submissions/batch_thanks.html", count=len(events), manage_url=link, proposed=None
    )


def propose_feed(form: BatchForm):
    problem = check_url(form.feed_url.data)
    if problem:
        form.feed_url.errors = [problem]
        return render_batch(form, 400)
    try:
        source = add_source(
            form.feed_url.data,
            organization=form.organization.data,
            pending=True,
            contact_name=form.contact_name.data,
            contact_email=form.contact_email.data,
        )
    except SourceError as exc:
        db.session.rollback()
        form.feed_url.errors = [
            _("This calendar is already known to the hub.")
            if "already source" in str(exc)
            else str(exc)
        ]
        return render_batch(form, 400)
    review = absolute(url_for("moderation.edit_source", source_id=source.id))
    for code, recipients in moderators_by_locale().items():
        with locale_of(code):
            queue_mail(
                recipients,
                _(
                    "Calendar proposed for import: %(organization)s",
                    organization=form.organization.data,
                ),
                _(
                    "%(contact)s proposes the calendar\n%(url)s\nfor %(organization)s.\n\n"
                    "Review it: %(link)s\n",
                    contact=f"{form.contact_name.data} <{form.contact_email.data}>",
                    url=source.url,
                    organization=form.organization.data,
                    link=review,
                ),
            )
    db.session.commit()
    return render_template(
        "submissions/batch_thanks.html", count=0, manage_url=None, proposed=source.url
    )


def batch_events(source: ImportSource) -> list[Event]:
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.import_source_id == source.id)
            .order_by(Event.starts_at, Event.id)
        )
    )


@bp.route("/manage/batch/<token>")
def manage_batch(token: str):
    source = None
    if token and len(token) <= 100:
        source = db.session.scalar(
            sa.select(ImportSource).where(
                ImportSource.kind == "batch", ImportSource.manage_token_hash == hash_token(token)
            )
        )
    if source is None:
        return render_template(
            "error.html",
            code=404,
            title=_("This manage link is not valid"),
            message=_("Check that the whole link was copied from the e-mail."),
        ), 404
    events = batch_events(source)
    links = {e.id: url_for("submissions.manage", token=manage_token(e)) for e in events}
    response = Response(
        render_template("submissions/batch_manage.html", source=source, events=events, links=links)
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
