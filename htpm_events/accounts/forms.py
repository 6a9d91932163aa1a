from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..text import has_control_chars

ROLE_CHOICES = [SelectChoice("moderator", _l("Moderator")), SelectChoice("admin", _l("Admin"))]


def no_control_chars(form, field):
    """The e-mail is looked up in the database, and PostgreSQL refuses a NUL (a 500)."""
    if isinstance(field.data, str) and has_control_chars(field.data):
        raise ValidationError(_("Remove control characters from the e-mail."))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), [DataRequired(_l("Enter your e-mail.")), Length(max=254), no_control_chars]
    )
    password = PasswordField(
        _l("Password"), [DataRequired(_l("Enter your password.")), Length(max=1000)]
    )


class AccountForm(FlaskForm):
    """An admin adds a moderator or admin account."""

    email = EmailField(
        _l("E-mail"),
        [
            DataRequired(_l("Enter the e-mail address.")),
            Length(max=254),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="moderator")
    password = PasswordField(
        _l("Initial password"),
        [
            DataRequired(_l("Enter an initial password.")),
            Length(10, 1000, _l("The password must be at least 10 characters long.")),
        ],
        description=_l("At least 10 characters. Give it to the person through a safe channel."),
    )


class AccountChangeForm(FlaskForm):
    """Change one account: its role, or whether it is active."""

    action = SelectField(
        _l("Change"),
        choices=[
            SelectChoice("role", _l("Role")),
            SelectChoice("deactivate", _l("Deactivate")),
            SelectChoice("reactivate", _l("Reactivate")),
        ],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="moderator")
