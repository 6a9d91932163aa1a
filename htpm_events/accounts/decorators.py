"""Who may see what: every /moderate page needs a moderator, some need an admin."""

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import login_manager


def require_moderator():
    """For ``before_request``: anonymous (or deactivated) users go to the login page."""
    if not current_user.is_authenticated or not current_user.is_active:
        return login_manager.unauthorized()
    return None


def moderator_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        refused = require_moderator()
        if refused is not None:
            return refused
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Admins only; a logged-in moderator gets 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        refused = require_moderator()
        if refused is not None:
            return refused
        if not current_user.is_admin:
            abort(403, description=_("Only an admin can use this page."))
        return view(*args, **kwargs)

    return wrapped
