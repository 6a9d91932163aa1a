"""Forms for import sources, the moderators' upload and the public batch page."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .. import vocab
from ..events.forms import MultiCheckboxField, choices, strip
from ..timeutil import is_valid_timezone


class SourceForm(FlaskForm):
    """A polled .ics source and the defaults its events get."""

    url = StringField(
        _l("Calendar address (.ics URL)"),
        [DataRequired(_l("Enter the calendar's address.")), Length(max=2000)],
        filters=[strip],
    )
    name = StringField(_l("Name"), [Optional(), Length(max=200)], filters=[strip])
    organization = StringField(
        _l("Organization"),
        [DataRequired(_l("Enter the organization whose events these are.")), Length(max=200)],
        filters=[strip],
    )
    level = SelectField(
        _l("Level"), choices=choices(vocab.LEVELS, _l("Choose a level")), validate_choice=False
    )
    state = SelectField(
        _l("State or territory"), choices=choices(vocab.STATES, _l("None")), validate_choice=False
    )
    topics = MultiCheckboxField(_l("Topics"), choices=choices(vocab.TOPICS))
    event_type = SelectField(
        _l("Type of event"), choices=choices(vocab.EVENT_TYPES), default="other"
    )
    format = SelectField(
        _l("Format when the calendar does not tell"),
        choices=choices(vocab.FORMATS, _l("Guess")),
        validate_choice=False,
    )
    timezone = StringField(
        _l("Time zone for floating times"),
        [Optional(), Length(max=64)],
        filters=[strip],
        description=_l(
            "An IANA name such as America/Chicago; empty: the calendar's own, else "
            "America/New_York."
        ),
    )
    contact_name = StringField(_l("Contact name"), [Optional(), Length(max=200)], filters=[strip])
    contact_email = StringField(
        _l("Contact e-mail"),
        [Optional(), Email(_l("Enter a valid e-mail address.")), Length(max=254)],
        filters=[strip],
    )
    poll_minutes = IntegerField(
        _l("Poll every (minutes)"),
        [NumberRange(5, 10080, _l("From 5 minutes to a week."))],
        default=60,
    )
    trusted = BooleanField(_l("Trusted: its events publish without review"))
    active = BooleanField(_l("Enabled"), default=True)

    def validate_level(self, field):
        if field.data and field.data not in vocab.LEVELS:
            raise ValidationError(_("Choose a level from the list."))

    def validate_state(self, field):
        if field.data and field.data not in vocab.STATES:
            raise ValidationError(_("Choose a state from the list."))

    def validate_format(self, field):
        if field.data and field.data not in vocab.FORMATS:
            raise ValidationError(_("Choose a format from the list."))

    def validate_timezone(self, field):
        if field.data and not is_valid_timezone(field.data):
            raise ValidationError(_("Enter an IANA time zone name such as America/Chicago."))


class UploadForm(FlaskForm):
    """A CSV or .ics file checked in a dry run, then applied."""

    file = FileField(_l("CSV or .ics file"))
    organization = StringField(
        _l("Organization for events that name none"), [Optional(), Length(max=200)], filters=[strip]
    )
    level = SelectField(
        _l("Level for events that name none"),
        choices=choices(vocab.LEVELS, "—"),
        validate_choice=False,
    )

    def validate_level(self, field):
        if field.data and field.data not in vocab.LEVELS:
            raise ValidationError(_("Choose a level from the list."))

    trusted = BooleanField(_l("Publish these events without review"))


class ApplyForm(FlaskForm):
    """Apply a checked upload (the file waits on the server under ``token``)."""

    token = HiddenField()
    organization = HiddenField()
    level = HiddenField()
    trusted = HiddenField()
