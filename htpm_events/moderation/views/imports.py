"""Import sources and file uploads for moderators (SPEC §1, §6)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ...extensions import db
from ...importers.base import ImportFailed, ImportResult
from ...importers.forms import ApplyForm, SourceForm, UploadForm
from ...importers.models import ImportSource
from ...importers.services import file_source
from ...importers.sources import SourceError, add_source, run_source
from ...importers.uploads import (
    TooLarge,
    discard,
    dry_run,
    import_bytes,
    kind_of,
    load,
    max_bytes,
    read_limited,
    store,
)
from ..audit import record
from ..forms import EmptyForm, ToggleForm
from . import bp

DEFAULT_FIELDS = (
    "name", "organization", "level", "state", "event_type", "format", "timezone",
    "contact_name", "contact_email", "poll_minutes", "trusted", "active",
)  # fmt: skip


@bp.app_template_filter("source_message")
def source_message(text: str | None) -> str | None:
    from ...importers.sources import shown

    return shown(text)


def source_or_404(source_id: int) -> ImportSource:
    return db.get_or_404(
        ImportSource, source_id, description=_("There is no source #%(id)d.", id=source_id)
    )


def render_sources(form: SourceForm, status: int = 200):
    rows = db.session.scalars(
        sa.select(ImportSource)
        .where(ImportSource.kind != "batch")
        .order_by(ImportSource.pending.desc(), ImportSource.id)
    ).all()
    page = render_template(
        "moderation/sources.html",
        sources=rows,
        form=form,
        toggle_form=ToggleForm(formdata=None),
        button_form=EmptyForm(formdata=None),
    )
    return page, status


@bp.route("/sources", methods=["GET", "POST"])
def sources():
    form = SourceForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                source = add_source(
                    form.url.data,
                    topics="|".join(form.topics.data or []),
                    **{name: form[name].data for name in DEFAULT_FIELDS},
                )
            except SourceError as refused:
                db.session.rollback()
                form.url.errors = [*form.url.errors, str(refused)]
            else:
                record(current_user, "add-source", details={"source_id": source.id})
                db.session.commit()
                flash(
                    _(
                        "Source #%(id)d added; its first run is due now (or use “Run now”).",
                        id=source.id,
                    ),
                    "success",
                )
                return redirect(url_for("moderation.sources") + f"#source-{source.id}")
        return render_sources(form, 400)
    return render_sources(form)


@bp.route("/sources/<int:source_id>", methods=["GET", "POST"])
def edit_source(source_id: int):
    source = source_or_404(source_id)
    form = SourceForm(
        formdata=request.form if request.method == "POST" else None,
        obj=source,
        topics=[t for t in (source.topics or "").split("|") if t],
    )
    if request.method == "POST":
        if form.validate_on_submit():
            from ...importers.fetch import check_url

            problem = check_url(form.url.data) if source.kind == "url" else None
            if problem:
                form.url.errors = [problem]
            else:
                source.url = form.url.data
                for name in DEFAULT_FIELDS:
                    setattr(source, name, form[name].data or None)
                source.trusted, source.active = bool(form.trusted.data), bool(form.active.data)
                source.poll_minutes = form.poll_minutes.data or 60
                source.topics = "|".join(form.topics.data or []) or None
                source.content_hash = None  # new defaults apply at the next run
                approving = request.form.get("approve") and source.pending
                if approving:
                    source.pending = False
                record(
                    current_user,
                    "approve-source" if approving else "edit-source",
                    details={"source_id": source.id},
                )
                db.session.commit()
                flash(_("Source #%(id)s saved.", id=source.id), "success")
                return redirect(url_for("moderation.sources") + f"#source-{source.id}")
        return render_template("moderation/source_edit.html", source=source, form=form), 400
    return render_template("moderation/source_edit.html", source=source, form=form)


@bp.route("/sources/<int:source_id>/run", methods=["POST"])
def run_source_now(source_id: int):
    source = source_or_404(source_id)
    if not EmptyForm().validate_on_submit() or source.kind != "url":
        flash(_("That request could not be understood; try again."), "error")
        return redirect(url_for("moderation.sources"))
    confirm = request.form.get("confirm") == "1"
    if source.pending:
        flash(_("Approve this proposed source before running it."), "error")
        return redirect(url_for("moderation.sources"))
    # The run keeps its messages on the source in English (as the worker's runs do); its
    # line is written in the page's language.
    run = run_source(source_id, confirm=confirm, force=confirm)
    flash(run.line(), "success" if run.ok else "error")
    return redirect(url_for("moderation.sources") + f"#source-{source_id}")


@bp.route("/sources/<int:source_id>/dismiss", methods=["POST"])
def dismiss_held(source_id: int):
    """Keep the calendar as it is: the held run is dropped and polling stops until a
    moderator enables the source again."""
    source = source_or_404(source_id)
    if EmptyForm().validate_on_submit():
        source.held_reason = None
        source.active = False
        record(current_user, "dismiss-held-run", details={"source_id": source.id})
        db.session.commit()
        flash(
            _("Source #%(id)s: the held run was dropped and the source disabled.", id=source.id),
            "success",
        )
    return redirect(url_for("moderation.sources") + f"#source-{source_id}")


# --- uploads --------------------------------------------------------------------------------


def upload_source(filename: str, organization: str | None, level: str | None, trusted: bool):
    return file_source(
        filename, organization, level, trusted, url=f"upload:{filename or 'file'}"[:2000]
    )


@bp.route("/imports", methods=["GET", "POST"])
def upload():
    form = UploadForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        return render_template("moderation/upload.html", form=form)
    if not form.validate_on_submit():
        return render_template("moderation/upload.html", form=form), 400
    file = request.files.get("file")
    if file is None or not file.filename:
        form.file.errors = [_("Choose a CSV or .ics file.")]
        return render_template("moderation/upload.html", form=form), 400
    try:
        data = read_limited(file.stream, max_bytes())
        file.close()
    except TooLarge as exc:
        file.close()
        form.file.errors = [str(exc)]
        return render_template("moderation/upload.html", form=form), 400
    if not data.strip():
        form.file.errors = [_("The file is empty.")]
        return render_template("moderation/upload.html", form=form), 400
    options = {
        "organization": form.organization.data or None,
        "level": form.level.data or None,
        "trusted": bool(form.trusted.data),
    }
    filename = file.filename[:200]
    result = dry_run(
        data,
        lambda: upload_source(filename, options["organization"], options["level"], False),
        actor=f"upload {filename}",
        **options,
    )
    token = store(data) if result.ok else None
    apply_form = ApplyForm(
        formdata=None,
        token=token,
        organization=options["organization"] or "",
        level=options["level"] or "",
        trusted="1" if options["trusted"] else "",
    )
    return render_template(
        "moderation/upload.html",
        form=form,
        result=result,
        filename=filename,
        kind=kind_of(data),
        apply_form=apply_form,
        token=token,
    ), (200 if result.ok else 400)


@bp.route("/imports/<token>/apply", methods=["POST"])
def apply_upload(token: str):
    form = ApplyForm()
    data = load(token)
    filename = (request.form.get("filename") or "upload")[:200]
    if data is None or not form.validate_on_submit():
        flash(_("That upload is no longer waiting; send the file again."), "error")
        return redirect(url_for("moderation.upload"))
    options = {
        "organization": form.organization.data or None,
        "level": form.level.data or None,
        "trusted": form.trusted.data == "1",
    }
    source = upload_source(filename, options["organization"], options["level"], False)
    try:
        result: ImportResult = import_bytes(
            data, source, actor=f"{current_user.email}: upload {filename}", **options
        )
    except ImportFailed as failed:
        db.session.rollback()
        flash(
            ngettext(
                "The file no longer imports (%(num)d error); nothing was applied.",
                "The file no longer imports (%(num)d errors); nothing was applied.",
                len(failed.result.errors),
            ),
            "error",
        )
        return redirect(url_for("moderation.upload"))
    db.session.commit()
    discard(token)
    flash(_("%(file)s: %(summary)s.", file=filename, summary=result.summary()), "success")
    return redirect(url_for("moderation.queue") if result.created else url_for("moderation.upload"))
