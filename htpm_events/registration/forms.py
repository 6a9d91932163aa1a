"""The hub's registration form (SPEC §7 names), the organizer's message to registrants."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..text import has_control_chars


def strip(value):
    return value.strip() if isinstance(value, str) else value


def single_line(form, field):
    if isinstance(field.data, str) and has_control_chars(field.data):
        raise ValidationError("Remove control characters from this field.")


def multi_line(form, field):
    if isinstance(field.data, str) and has_control_chars(field.data, multiline=True):
        raise ValidationError("Remove control characters from this field.")


class RegistrationForm(FlaskForm):
    occurrence = SelectField("Date", [DataRequired("Choose a date.")], choices=[])
    name = StringField(
        "Your name",
        [DataRequired("Enter your name."), Length(max=200), single_line],
        filters=[strip],
    )
    email = StringField(
        "E-mail",
        [
            DataRequired("Enter your e-mail address."),
            Length(max=254),
            single_line,
            Email(
                "Enter a valid e-mail address, like name@example.org.", check_deliverability=False
            ),
        ],
        filters=[strip],
        description="The confirmation, with a calendar invitation, is sent here.",
    )
    needs = TextAreaField(
        "Accessibility or interpretation needs (optional)",
        [Optional(), Length(max=1000), multi_line],
        filters=[strip],
        description="For example: ASL interpreter, captions, wheelchair access, Spanish "
        "interpretation. Only the organizer sees it.",
    )
    consent = BooleanField(
        "I agree that the organizer sees my name, e-mail and needs to run this event. "
        "The hub deletes them 30 days after the event.",
        [DataRequired("Tick the box to agree, or the organizer cannot register you.")],
    )
    website = StringField(
        "Leave this empty",
        [Optional(), Length(max=500)],
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )

    @property
    def is_spam(self) -> bool:
        return bool((self.website.data or "").strip())


class MessageForm(FlaskForm):
    subject = StringField(
        "Subject", [DataRequired("Enter a subject."), Length(max=150), single_line], filters=[strip]
    )
    body = TextAreaField(
        "Message",
        [DataRequired("Write the message."), Length(max=5000), multi_line],
        filters=[strip],
    )
