from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter, login_manager
from ..i18n import current_locale
from .forms import LoginForm
from .models import User
from .services import LoginRefused, authenticate, safe_next

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user; a deactivated account's session no longer counts."""
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("calendar.home"))
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except LoginRefused as refused:
            db.session.commit()  # keep the failure count
            form.password.errors.append(str(refused))
            status = 401
        else:
            user.locale = current_locale()  # moderators' e-mails follow the language they use
            db.session.commit()
            login_user(user)
            flash(_("You are logged in."), "success")
            return redirect(target or url_for("calendar.home"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("calendar.home"))
