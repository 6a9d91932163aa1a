"""Logging in, with the lockout of SPEC §11, and account administration."""

from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import vocab
from ..extensions import db
from ..i18n import current_locale
from ..timeutil import now_utc
from .models import User

MAX_FAILURES = 10
LOCK_FOR = timedelta(minutes=15)


class LoginRefused(Exception):
    pass


def authenticate(email: str, password: str) -> User:
    """The user with these credentials, or :class:`LoginRefused` saying why (flushes)."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    now = now_utc()
    if user is not None and user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginRefused(
            _(
                "This account is locked after %(num)s failed logins. Try again in %(minutes)s minutes.",  # noqa: E501
                num=MAX_FAILURES,
                minutes=minutes,
            )  # fmt: skip
        )
    if user is None or not user.check_password(password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until = now + LOCK_FOR
                user.failed_logins = 0
                db.session.flush()
                raise LoginRefused(
                    _(
                        "This account is locked for 15 minutes after %(num)s failed logins.",
                        num=MAX_FAILURES,
                    )  # fmt: skip
                )
            db.session.flush()
        raise LoginRefused(_("The e-mail or password is not right."))
    if not user.active:
        raise LoginRefused(_("This account has been deactivated."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login = now
    db.session.flush()
    return user


def safe_next(target: str | None) -> str | None:
    """``next`` only ever leads to a path on the hub."""
    if not target:
        return None
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


class AccountError(Exception):
    """An account change that is not allowed; the message says why."""


def create_account(email: str, role: str, password: str) -> User:
    """Add an account (flushes). Raises :class:`AccountError` if the e-mail is taken."""
    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise AccountError(_("There is already an account with this e-mail."))
    user = User(email=email, role=role, active=True, locale=current_locale())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def change_account(user: User, acting: User, action: str, role: str | None = None) -> str | None:
    """Deactivate, reactivate or change the role of ``user`` (flushes); returns the audit
    action name, or None when nothing changed.

    An admin cannot lock themselves out: no deactivating or demoting one's own account."""
    if action == "deactivate":
        if user.id == acting.id:
            raise AccountError(_("You cannot deactivate your own account."))
        if not user.active:
            return None
        user.active = False
    elif action == "reactivate":
        if user.active:
            return None
        user.active = True
        user.failed_logins = 0
        user.locked_until = None
    elif action == "role":
        if role not in vocab.ROLES:
            raise AccountError(_("Choose moderator or admin."))
        if role == user.role:
            return None
        if user.id == acting.id:
            raise AccountError(_("You cannot change your own role; ask another admin."))
        user.role = role
    else:
        raise AccountError(_("Unknown change."))
    db.session.flush()
    return f"account-{action}"
