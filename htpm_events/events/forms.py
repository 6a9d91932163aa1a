"""The event form: the one set of SPEC §2 rules, used by the submission and moderation
forms in the browser and by the CSV importer for every row."""

import re
from datetime import datetime, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from .. import vocab
from ..text import has_control_chars, is_http_url
from ..timeutil import common_timezones, is_valid_timezone, localize

LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
POSTAL_CODE = re.compile(r"^\d{5}(-\d{4})?$")
#: The years a date may fall in: an archive of earlier Januaries, not the year 1 or 9999.
YEARS = (1970, 2100)

#: How long one occurrence of a recurring event may last, by frequency.
MAX_OCCURRENCE = {
    "daily": timedelta(days=1),
    "weekly": timedelta(days=7),
    "monthly": timedelta(days=28),
}


def strip(value):
    return value.strip() if isinstance(value, str) else value


def normalize_newlines(value):
    """Browsers send a textarea's line breaks as CRLF but count them as one character."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def split_multi(values):
    """Multi-valued cells and inputs: "a|b", "a, b" or repeated inputs."""
    out = []
    for value in values or []:
        out.extend(v.strip() for v in re.split(r"[|,]", value or "") if v.strip())
    return out


class _KnownChoices:
    """Accept a value by looking it up in a set of the choices' values. WTForms checks a
    value by building an object for every option (the time zone list has hundreds), which
    was most of the time of checking an imported row; a value not in the set still goes
    through WTForms' own check, for its message."""

    def acceptable(self) -> frozenset | None:
        if self._choices_callable is not None or self.choices is None:
            return None  # choices that may change between checks: no shortcut
        cached = getattr(self, "_acceptable", None)
        if cached is None or cached[0] is not self.choices:
            values = (c.value for c in self._choices_from_input(self.choices) or [])
            cached = (self.choices, frozenset(self.coerce(v) for v in values))
            self._acceptable = cached
        return cached[1]


class SelectField(_KnownChoices, _SelectField):
    def pre_validate(self, form):
        if not self.process_errors and self.validate_choice:
            known = self.acceptable()
            if known is not None and isinstance(self.data, str) and self.data in known:
                return
        super().pre_validate(form)


class SelectMultipleField(_KnownChoices, _SelectMultipleField):
    def pre_validate(self, form):
        if not self.process_errors and self.validate_choice and self.data:
            known = self.acceptable()
            if known is not None and all(isinstance(v, str) and v in known for v in self.data):
                return
        super().pre_validate(form)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        super().process_formdata(split_multi(valuelist))


class LanguagesField(StringField):
    """BCP 47 codes, typed as "en, es" (or "en|es" in a CSV cell)."""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        self.data = split_multi(valuelist) if valuelist else []

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(self.data or [])

    def pre_validate(self, form):
        bad = [code for code in self.data or [] if not LANGUAGE_TAG.match(code)]
        if bad:
            raise ValidationError(
                f"Not a language code: {', '.join(bad)} (use codes such as en, es, vi)."
            )
        if len(self.data or []) > 20:
            raise ValidationError("List at most 20 languages.")


def http_url(form, field):
    if field.data and not is_http_url(field.data):
        raise ValidationError("Enter a full web address starting with https:// or http://.")


def choices(table: dict, blank: str | None = None) -> list[SelectChoice]:
    items = [SelectChoice(value, label) for value, label in table.items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + items


class EventForm(FlaskForm):
    """Every SPEC §2 field an organization enters, under the §2 names."""

    # What
    title = StringField(
        "Title",
        [DataRequired("Enter a title."), Length(max=200)],
        filters=[strip],
        description="Up to 200 characters.",
    )
    description = TextAreaField(
        "Description",
        [Optional(), Length(max=20000)],
        filters=[normalize_newlines, strip],
        description="Up to 20,000 characters. Markdown is allowed: **bold**, *italic*, lists "
        "and links.",
    )
    organization = StringField(
        "Organization",
        [DataRequired("Enter the organization hosting the event."), Length(max=200)],
        filters=[strip],
        description="The host, written out in full. If it appears in the suggestions, pick it "
        "there, so that each organization is listed under one name.",
    )
    level = SelectField(
        # No default: a community group should not be listed as "Federal" by accident.
        "Level",
        choices=choices(vocab.LEVELS, "Choose a level"),
        validators=[DataRequired("Choose a level.")],
    )
    event_type = SelectField(
        "Type of event", choices=choices(vocab.EVENT_TYPES), default="training"
    )
    topics = MultiCheckboxField("Topics", choices=choices(vocab.TOPICS))
    audiences = MultiCheckboxField("Audiences", choices=choices(vocab.AUDIENCES))

    # When
    format = SelectField(
        "Format",
        choices=choices(vocab.FORMATS),
        default="virtual",
        description="On demand: a recording or course people can take at any time.",
    )
    timezone = SelectField(
        "Time zone",
        choices=[SelectChoice(z, z.replace("_", " ")) for z in common_timezones()],
        default="America/New_York",
        validate_choice=False,
        description="The times above are local times in this zone.",
    )
    start_date = DateField("Start date", [InputRequired("Enter the start date.")])
    start_time = TimeField("Start time", [Optional()], format=["%H:%M", "%H:%M:%S"])
    end_date = DateField(
        "End date",
        [Optional()],
        description="For an event over several days (an exhibit), its last day. Leave empty "
        "for a one-day event.",
    )
    end_time = TimeField("End time", [Optional()], format=["%H:%M", "%H:%M:%S"])
    all_day = BooleanField("All day", false_values=(False, "false", "", "0", "no", "off"))
    recurrence = SelectField("Repeats", choices=choices(vocab.RECURRENCES), default="none")
    recurrence_until = DateField("Repeat until", [Optional()])
    recurrence_count = IntegerField(
        "Number of times", [Optional(), NumberRange(1, 366, "Enter a number from 1 to 366.")]
    )

    # Where
    state = SelectField(
        "State or territory",
        choices=choices(vocab.STATES, "None (national or online only)"),
        description="Also sets the time zone; leave it as None for a national or online-only "
        "event.",
    )
    venue_name = StringField("Venue", [Optional(), Length(max=200)], filters=[strip])
    address = StringField("Street address", [Optional(), Length(max=300)], filters=[strip])
    city = StringField("City", [Optional(), Length(max=100)], filters=[strip])
    postal_code = StringField("ZIP code", [Optional(), Length(max=10)], filters=[strip])
    online_url = StringField(
        "Join link",
        [Optional(), Length(max=2000), http_url],
        filters=[strip],
        description="Leave empty if the link is only sent to registered attendees.",
    )

    # Registration
    registration_mode = SelectField(
        "How people register", choices=choices(vocab.REGISTRATION_MODES), default="external"
    )
    registration_url = StringField(
        "Registration link", [Optional(), Length(max=2000), http_url], filters=[strip]
    )
    registration_deadline = DateTimeLocalField(
        "Registration deadline",
        [Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        description="Optional, local time. Without one, registration stays open until the "
        "event starts.",
    )
    capacity = IntegerField(
        "Capacity",
        [Optional(), NumberRange(1, 100000, "Enter a whole number of seats, at least 1.")],
        description="How many people can register; later registrations join a waitlist.",
    )
    cost = StringField(
        "Cost", [Optional(), Length(max=200)], filters=[strip], description="Leave empty if free."
    )
    ce_credits = StringField(
        "Continuing education credits",
        [Optional(), Length(max=200)],
        filters=[strip],
        description='For example "2 CE hours". Leave empty if none.',
    )

    # Accessibility
    languages = LanguagesField(
        "Languages",
        default=["en"],
        description="Language codes separated by commas, e.g. en, es.",
    )
    accessibility = MultiCheckboxField(
        "Accessibility features", choices=choices(vocab.ACCESSIBILITY)
    )

    # Contact (never public)
    contact_name = StringField(
        "Contact name", [DataRequired("Enter a contact name."), Length(max=200)], filters=[strip]
    )
    contact_email = StringField(
        "Contact e-mail",
        [
            DataRequired("Enter a contact e-mail."),
            Length(max=254),
            Email("Enter a valid e-mail address.", check_deliverability=False),
        ],
        filters=[strip],
        description="The private manage link is sent here.",
    )

    TEXT_FIELDS = (
        "title", "organization", "venue_name", "address", "city", "postal_code", "online_url",
        "registration_url", "cost", "ce_credits", "contact_name", "contact_email",
    )  # fmt: skip

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for name in self.TEXT_FIELDS:
            field = self[name]
            if isinstance(field.data, str) and has_control_chars(field.data):
                field.errors = [*field.errors, "Remove control characters from this field."]
                ok = False
        if isinstance(self.description.data, str) and has_control_chars(
            self.description.data, multiline=True
        ):
            self.description.errors = [
                *self.description.errors,
                "Remove control characters from the description.",
            ]
            ok = False
        return self.validate_event(ok)

    def error(self, name: str, message: str) -> None:
        field = self[name]
        if message not in field.errors:
            field.errors = [*field.errors, message]

    def validate_event(self, ok: bool) -> bool:
        """The rules that tie fields together (SPEC §2)."""
        before = sum(len(f.errors) for f in self)
        for name in ("start_date", "end_date", "recurrence_until", "registration_deadline"):
            value = self[name].data
            if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
                self.error(name, f"Enter a date between {YEARS[0]} and {YEARS[1]}.")
                self[name].data = None  # out-of-range dates would overflow the UTC columns
        if not is_valid_timezone(self.timezone.data or ""):
            self.error(
                "timezone", "Choose a time zone from the list (for example America/Chicago)."
            )
        on_demand = self.format.data == "on-demand"
        timed = not on_demand and not self.all_day.data
        start_date, end_date = self.start_date.data, self.end_date.data
        if timed and start_date and self.start_time.data is None and not self.start_time.errors:
            self.error("start_time", "Enter a start time, or tick All day.")
        if start_date and end_date and end_date < start_date:
            self.error("end_date", "The end date is before the start date.")
        elif (
            timed
            and start_date
            and self.start_time.data
            and self.end_time.data
            and (end_date or start_date) == start_date
            and self.end_time.data <= self.start_time.data
        ):
            self.error("end_time", "The end time is before the start time.")
        if self.end_time.data and not self.start_time.data and timed:
            self.error("start_time", "Enter a start time as well as an end time.")

        if self.format.data in ("in-person", "hybrid"):
            for name, what in (
                ("venue_name", "the venue"),
                ("address", "the street address"),
                ("city", "the city"),
                ("postal_code", "the ZIP code"),
                ("state", "the state"),
            ):
                if not self[name].data:
                    self.error(name, f"Enter {what}: in-person and hybrid events need a place.")
        if self.postal_code.data and not POSTAL_CODE.match(self.postal_code.data):
            self.error("postal_code", "Enter a 5-digit ZIP code (or ZIP+4).")

        mode = self.registration_mode.data
        if mode == "external" and not self.registration_url.data:
            self.error(
                "registration_url",
                "Enter the registration link, or choose another registration option.",
            )
        if mode == "hub" and not self.capacity.data and not self.capacity.errors:
            self.error("capacity", "Enter how many people can register.")
        deadline = self.registration_deadline.data
        if deadline and start_date and is_valid_timezone(self.timezone.data or ""):
            starts = localize(
                start_date,
                self.start_time.data if timed and self.start_time.data else datetime.min.time(),
                self.timezone.data,
            )
            deadline_at = localize(deadline.date(), deadline.time(), self.timezone.data)
            if deadline_at > starts and not on_demand:
                self.error(
                    "registration_deadline", "The registration deadline is after the event starts."
                )

        recurrence = self.recurrence.data
        if recurrence in MAX_OCCURRENCE:
            if on_demand:
                self.error("recurrence", "On-demand items do not repeat; choose Does not repeat.")
            until, count = self.recurrence_until.data, self.recurrence_count.data
            if until and count:
                self.error(
                    "recurrence_count", "Give either an end date or a number of times, not both."
                )
            elif (
                not until
                and not count
                and not self.recurrence_until.errors
                and not self.recurrence_count.errors
            ):
                self.error(
                    "recurrence_until", "Say until when the event repeats (or how many times)."
                )
            if until and start_date and until < start_date:
                self.error("recurrence_until", "The repeat end date is before the start date.")
            if start_date:
                last = end_date or start_date
                span = last - start_date + (timedelta(days=1) if not timed else timedelta())
                if timed and self.start_time.data and self.end_time.data:
                    span = datetime.combine(last, self.end_time.data) - datetime.combine(
                        start_date, self.start_time.data
                    )
                if span > MAX_OCCURRENCE[recurrence]:
                    self.error(
                        "end_date",
                        f"Each occurrence of a {recurrence} event must be shorter "
                        "than its repeat interval.",
                    )
        after = sum(len(f.errors) for f in self)
        return ok and after == before


#: The event's fields in the form's order: what held revisions keep and diffs compare.
EVENT_FIELDS = tuple(
    name for name, value in vars(EventForm).items() if isinstance(value, UnboundField)
)
