"""Organizations and import sources (trust toggles), trusted e-mail domains (admins)."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ...accounts.decorators import admin_required
from ...accounts.services import safe_next
from ...events.models import Event, Organization
from ...extensions import db
from ...importers.models import ImportSource
from ...text import has_control_chars
from ..forms import DomainForm, EmptyForm, SplitForm, ToggleForm
from ..models import TrustedDomain
from ..organizations import split_organization
from ..services import ActionRefused
from ..trust import (
    TrustError,
    add_domain,
    remove_domain,
    set_organization_trust,
    set_source_trust,
)
from . import bp

#: Organizations listed on one page (the search narrows them).
SHOWN = 200


def back(default: str):
    return redirect(safe_next(request.form.get("next")) or url_for(default))


@bp.route("/organizations")
def organizations():
    query_text = (request.args.get("q") or "").strip()[:200]
    if has_control_chars(query_text):  # PostgreSQL refuses a NUL in a query (a 500)
        abort(400, description=_("The search has control characters."))
    counts = [
        sa.func.count(sa.case((Event.status == status, 1))).label(status.replace("-", "_"))
        for status in ("pending", "approved", "rejected", "changes-requested", "cancelled")
    ]
    query = (
        sa.select(Organization, *counts)
        .outerjoin(Event, Event.organization_id == Organization.id)
        .group_by(Organization.id)
        .order_by(Organization.trusted.desc(), Organization.name)
        .limit(SHOWN)
    )
    if query_text:
        query = query.where(Organization.name.ilike(f"%{query_text}%"))
    rows = db.session.execute(query).all()
    return render_template(
        "moderation/organizations.html", rows=rows, q=query_text, form=ToggleForm(formdata=None)
    )


@bp.route("/organizations/<int:org_id>/trust", methods=["POST"])
def trust_organization(org_id: int):
    org = db.get_or_404(Organization, org_id, description=f"There is no organization #{org_id}.")
    form = ToggleForm()
    if form.validate_on_submit():
        flash(set_organization_trust(org, current_user, form.on.data), "success")
        db.session.commit()
    else:
        flash(_("That request could not be understood; try again."), "error")
    return back("moderation.organizations")


@bp.route("/organizations/<int:org_id>/split", methods=["GET", "POST"])
def split_organization_view(org_id: int):
    """Move chosen events to another organization (for names wrongly filed together)."""
    org = db.get_or_404(Organization, org_id, description=f"There is no organization #{org_id}.")
    form = SplitForm()
    status = 200
    if request.method == "GET":
        form.events.data = request.args.getlist("event", type=int)
    else:
        status = 400
        if form.validate_on_submit():
            try:
                target, moved = split_organization(
                    org, form.events.data, form.name.data, current_user, form.reason.data
                )
            except ActionRefused as refused:
                db.session.rollback()
                form.name.errors = [*form.name.errors, str(refused)]
                status = 409
            else:
                db.session.commit()
                message = ngettext(
                    "Moved %(num)d event from %(source)s to %(target)s.",
                    "Moved %(num)d events from %(source)s to %(target)s.",
                    len(moved),
                    source=org.name,
                    target=target.name,
                )
                flash(message, "success")
                fallback = url_for("moderation.organizations", q=target.name)
                return redirect(safe_next(form.next.data) or fallback)
    events = db.session.scalars(
        sa.select(Event)
        .where(Event.organization_id == org.id)
        .order_by(Event.start_date, Event.id)
        .limit(SHOWN)
    ).all()
    page = render_template("moderation/split.html", org=org, events=events, form=form)
    return page, status


@bp.route("/sources/<int:source_id>/trust", methods=["POST"])
def trust_source(source_id: int):
    source = db.get_or_404(ImportSource, source_id, description=f"There is no source #{source_id}.")
    form = ToggleForm()
    if form.validate_on_submit():
        flash(set_source_trust(source, current_user, form.on.data), "success")
        db.session.commit()
    else:
        flash(_("That request could not be understood; try again."), "error")
    return back("moderation.sources")


def render_domains(form: DomainForm, status: int = 200):
    rows = db.session.scalars(sa.select(TrustedDomain).order_by(TrustedDomain.domain)).all()
    page = render_template(
        "moderation/domains.html", domains=rows, form=form, remove_form=EmptyForm(formdata=None)
    )
    return page, status


@bp.route("/domains", methods=["GET", "POST"])
@admin_required
def domains():
    form = DomainForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                row = add_domain(form.domain.data, current_user)
            except TrustError as refused:
                db.session.rollback()
                form.domain.errors = [*form.domain.errors, str(refused)]
            else:
                db.session.commit()
                flash(_("%(domain)s is trusted.", domain=row.domain), "success")
                return redirect(url_for("moderation.domains"))
        return render_domains(form, 400)
    return render_domains(form)


@bp.route("/domains/<int:domain_id>/remove", methods=["POST"])
@admin_required
def remove_trusted_domain(domain_id: int):
    row = db.get_or_404(TrustedDomain, domain_id, description="That domain is not trusted.")
    if EmptyForm().validate_on_submit():
        flash(remove_domain(row, current_user), "success")
        db.session.commit()
    return redirect(url_for("moderation.domains"))
