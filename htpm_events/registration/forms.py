"""The hub's registration form (SPEC §7 names), the organizer's message to registrants."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..text import has_control_chars


def strip(value):
    return value.strip() if isinstance(value, str) else value


def single_line(form, field):
    if isinstance(field.data, str) and has_control_chars(field.data):
        raise ValidationError(_("Remove control characters from this field."))


def multi_line(form, field):
    if isinstance(field.data, str) and has_control_chars(field.data, multiline=True):
        raise ValidationError(_("Remove control characters from this field."))


class RegistrationForm(FlaskForm):
    occurrence = SelectField(_l("Date"), [DataRequired(_l("Choose a date."))], choices=[])
    name = StringField(
        _l("Your name"),
        [DataRequired(_l("Enter your name.")), Length(max=200), single_line],
        filters=[strip],
    )
    email = StringField(
        _l("E-mail"),
        [
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254),
            single_line,
            Email(
                _l("Enter a valid e-mail address, like name@example.org."),
                check_deliverability=False,
            ),
        ],
        filters=[strip],
        description=_l("The confirmation, with a calendar invitation, is sent here."),
    )
    needs = TextAreaField(
        _l("Accessibility or interpretation needs (optional)"),
        [Optional(), Length(max=1000), multi_line],
        filters=[strip],
        description=_l(
            "For example: ASL interpreter, captions, wheelchair access, Spanish "
            "interpretation. Only the organizer sees it."
        ),
    )
    consent = BooleanField(
        _l(
            "I agree that the organizer sees my name, e-mail and needs to run this event. "
            "The hub deletes them 30 days after the event."
        ),
        [DataRequired(_l("Tick the box to agree, or the organizer cannot register you."))],
    )
    website = StringField(
        _l("Leave this empty"),
        [Optional(), Length(max=500)],
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )

    @property
    def is_spam(self) -> bool:
        return bool((self.website.data or "").strip())


class MessageForm(FlaskForm):
    subject = StringField(
        _l("Subject"),
        [DataRequired(_l("Enter a subject.")), Length(max=150), single_line],
        filters=[strip],
    )
    body = TextAreaField(
        _l("Message"),
        [DataRequired(_l("Write the message.")), Length(max=5000), multi_line],
        filters=[strip],
    )
