"""Moderator and admin accounts."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import UTCDateTime, utcnow
from ..extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, stored lower-cased.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: The interface language the account was added (or last logged in) with.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: moderator or admin.
    role: Mapped[str] = mapped_column(sa.String(20), default="moderator")
    #: Deactivated accounts cannot log in.
    active: Mapped[bool] = mapped_column(default=True)
    #: Failed logins in a row; reset by a successful one.
    failed_logins: Mapped[int] = mapped_column(default=0)
    #: Set after 10 failures in a row: no login before this instant.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
