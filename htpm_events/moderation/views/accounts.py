"""Admins manage moderator and admin accounts (add, deactivate, reactivate, change role)."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...accounts.decorators import admin_required
from ...accounts.forms import AccountChangeForm, AccountForm
from ...accounts.models import User
from ...accounts.services import AccountError, change_account, create_account
from ...extensions import db
from ...vocab import N_, ROLE_LABELS
from ..audit import record
from . import bp


def render_accounts(form: AccountForm, status: int = 200, error: tuple | None = None):
    users = db.session.scalars(sa.select(User).order_by(User.active.desc(), User.email)).all()
    page = render_template(
        "moderation/accounts.html",
        users=users,
        form=form,
        change_form=AccountChangeForm(formdata=None),
        error=error,
    )
    return page, status


#: The audit actions of an account change, as the admin is told them.
CHANGES = {
    "account-deactivate": N_("deactivate"),
    "account-reactivate": N_("reactivate"),
    "account-role": N_("role"),
}


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def accounts():
    form = AccountForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                user = create_account(form.email.data, form.role.data, form.password.data)
            except AccountError as refused:
                db.session.rollback()
                form.email.errors = [*form.email.errors, str(refused)]
            else:
                details = {"email": user.email, "role": user.role}
                record(current_user, "account-create", details=details)
                db.session.commit()
                role = _(ROLE_LABELS[user.role])
                flash(_("Added %(role)s %(email)s.", role=role, email=user.email), "success")
                return redirect(url_for("moderation.accounts"))
        return render_accounts(form, 400)
    return render_accounts(form)


@bp.route("/accounts/<int:user_id>", methods=["POST"])
@admin_required
def account_change(user_id: int):
    user = db.get_or_404(User, user_id, description=f"There is no account #{user_id}.")
    form = AccountChangeForm()
    if not form.validate_on_submit():
        return render_accounts(AccountForm(formdata=None), 400, (user.id, "Choose a change."))
    try:
        action = change_account(user, current_user, form.action.data, form.role.data)
    except AccountError as refused:
        db.session.rollback()
        return render_accounts(AccountForm(formdata=None), 400, (user.id, str(refused)))
    if action is None:
        flash(_("%(email)s was already like that; nothing changed.", email=user.email), "success")
        return redirect(url_for("moderation.accounts"))
    record(current_user, action, details={"email": user.email, "role": user.role})
    db.session.commit()
    flash(_("Changed %(email)s: %(change)s.", email=user.email,
            change=_(CHANGES.get(action, action.removeprefix("account-")))), "success")  # fmt: skip
    return redirect(url_for("moderation.accounts"))
