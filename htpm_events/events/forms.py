"""The event form: the one set of SPEC §2 rules, used by the submission and moderation
forms in the browser and by the CSV importer for every row."""

import re
from datetime import date, datetime, time, timedelta

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms import DateField as _DateField
from wtforms import DateTimeLocalField as _DateTimeLocalField
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms import TimeField as _TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.utils import unset_value
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


#: The formats a browser's date, time and date-time inputs send, read without strptime (whose
#: per-call cost was a tenth of checking an imported row). The patterns accept only values
#: that strptime reads the same way; anything else, empty cells included, goes to WTForms.
_FAST_FORMATS = {
    "%Y-%m-%d": (
        re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"),
        lambda y, mo, d: date(int(y), int(mo), int(d)),
    ),
    "%H:%M": (re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])"), lambda h, mi: time(int(h), int(mi))),
    "%Y-%m-%dT%H:%M": (
        re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([01][0-9]|2[0-3]):([0-5][0-9])"),
        lambda y, mo, d, h, mi: datetime(int(y), int(mo), int(d), int(h), int(mi)),
    ),
}


class _FastFormat:
    """A date, time or date-time field that reads its first format's usual spelling
    directly; every other value (another format, an impossible date, an empty cell) is read
    by WTForms as before, with its messages."""

    def process_formdata(self, valuelist):
        fast = _FAST_FORMATS.get(self.strptime_format[0]) if len(valuelist) == 1 else None
        if fast is not None:
            match = fast[0].fullmatch(valuelist[0])
            if match:
                try:
                    self.data = fast[1](*match.groups())
                    return
                except ValueError:  # 2027-02-30: WTForms says so
                    pass
        super().process_formdata(valuelist)


class DateField(_FastFormat, _DateField):
    pass


class TimeField(_FastFormat, _TimeField):
    pass


class DateTimeLocalField(_FastFormat, _DateTimeLocalField):
    pass


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
                _(
                    "Not a language code: %(codes)s (use codes such as en, es, vi).",
                    codes=", ".join(bad),
                )
            )
        if len(self.data or []) > 20:
            raise ValidationError(_("List at most 20 languages."))


def _memoize_email_domains() -> None:
    """email_validator checks the part after the @ (IDNA, the special-use names) for every
    address, two thirds of the time of checking one; the contacts of an import share a few
    domains. Its domain check is a function of the domain, its options and the special-use
    list, so its results are kept by those (a bad domain raises and is checked again)."""
    import importlib

    import email_validator

    module = importlib.import_module("email_validator.validate_email")  # not the function

    check_domain = getattr(module, "validate_email_domain_name", None)
    if check_domain is None or getattr(check_domain, "memoized", False):
        return
    results: dict = {}

    def memoized(domain, **options):
        key = (domain, *sorted(options.items()), *email_validator.SPECIAL_USE_DOMAIN_NAMES)
        result = results.get(key)
        if result is None:
            if len(results) >= 4096:
                results.clear()
            result = results[key] = check_domain(domain, **options)
        return dict(result)

    memoized.memoized = True
    module.validate_email_domain_name = memoized


_memoize_email_domains()


def http_url(form, field):
    if field.data and not is_http_url(field.data):
        raise ValidationError(_("Enter a full web address starting with https:// or http://."))


def choices(table: dict, blank: str | None = None) -> list[SelectChoice]:
    """A vocabulary's options, labels translated when shown (states keep their names)."""
    translate = table is not vocab.STATES
    items = [
        SelectChoice(value, _l(label) if translate else label) for value, label in table.items()
    ]
    return ([SelectChoice("", blank)] if blank is not None else []) + items


class EventForm(FlaskForm):
    """Every SPEC §2 field an organization enters, under the §2 names."""

    # What
    title = StringField(
        _l("Title"),
        [DataRequired(_l("Enter a title.")), Length(max=200)],
        filters=[strip],
        description=_l("Up to 200 characters."),
    )
    description = TextAreaField(
        _l("Description"),
        [Optional(), Length(max=20000)],
        filters=[normalize_newlines, strip],
        description=_l(
            "Up to 20,000 characters. Markdown is allowed: **bold**, *italic*, lists and links."
        ),
    )
    organization = StringField(
        _l("Organization"),
        [DataRequired(_l("Enter the organization hosting the event.")), Length(max=200)],
        filters=[strip],
        description=_l(
            "The host, written out in full. If it appears in the suggestions, pick it "
            "there, so that each organization is listed under one name."
        ),
    )
    level = SelectField(
        # No default: a community group should not be listed as "Federal" by accident.
        _l("Level"),
        choices=choices(vocab.LEVELS, _l("Choose a level")),
        validators=[DataRequired(_l("Choose a level."))],
    )
    event_type = SelectField(
        _l("Type of event"), choices=choices(vocab.EVENT_TYPES), default="training"
    )
    topics = MultiCheckboxField(_l("Topics"), choices=choices(vocab.TOPICS))
    audiences = MultiCheckboxField(_l("Audiences"), choices=choices(vocab.AUDIENCES))

    # When
    format = SelectField(
        _l("Format"),
        choices=choices(vocab.FORMATS),
        default="virtual",
        description=_l("On demand: a recording or course people can take at any time."),
    )
    timezone = SelectField(
        _l("Time zone"),
        choices=[SelectChoice(z, z.replace("_", " ")) for z in common_timezones()],
        default="America/New_York",
        validate_choice=False,
        description=_l("The times above are local times in this zone."),
    )
    start_date = DateField(_l("Start date"), [InputRequired(_l("Enter the start date."))])
    start_time = TimeField(_l("Start time"), [Optional()], format=["%H:%M", "%H:%M:%S"])
    end_date = DateField(
        _l("End date"),
        [Optional()],
        description=_l(
            "For an event over several days (an exhibit), its last day. Leave empty "
            "for a one-day event."
        ),
    )
    end_time = TimeField(_l("End time"), [Optional()], format=["%H:%M", "%H:%M:%S"])
    all_day = BooleanField(_l("All day"), false_values=(False, "false", "", "0", "no", "off"))
    recurrence = SelectField(_l("Repeats"), choices=choices(vocab.RECURRENCES), default="none")
    recurrence_until = DateField(_l("Repeat until"), [Optional()])
    recurrence_count = IntegerField(
        _l("Number of times"),
        [Optional(), NumberRange(1, 366, _l("Enter a number from 1 to 366."))],
    )

    # Where
    state = SelectField(
        _l("State or territory"),
        choices=choices(vocab.STATES, _l("None (national or online only)")),
        description=_l(
            "Also sets the time zone; leave it as None for a national or online-only event."
        ),
    )
    venue_name = StringField(_l("Venue"), [Optional(), Length(max=200)], filters=[strip])
    address = StringField(_l("Street address"), [Optional(), Length(max=300)], filters=[strip])
    city = StringField(_l("City"), [Optional(), Length(max=100)], filters=[strip])
    postal_code = StringField(_l("ZIP code"), [Optional(), Length(max=10)], filters=[strip])
    online_url = StringField(
        _l("Join link"),
        [Optional(), Length(max=2000), http_url],
        filters=[strip],
        description=_l("Leave empty if the link is only sent to registered attendees."),
    )

    # Registration
    registration_mode = SelectField(
        _l("How people register"), choices=choices(vocab.REGISTRATION_MODES), default="external"
    )
    registration_url = StringField(
        _l("Registration link"), [Optional(), Length(max=2000), http_url], filters=[strip]
    )
    registration_deadline = DateTimeLocalField(
        _l("Registration deadline"),
        [Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        description=_l(
            "Optional, local time. Without one, registration stays open until the event starts."
        ),
    )
    capacity = IntegerField(
        _l("Capacity"),
        [Optional(), NumberRange(1, 100000, _l("Enter a whole number of seats, at least 1."))],
        description=_l("How many people can register; later registrations join a waitlist."),
    )
    cost = StringField(
        _l("Cost"),
        [Optional(), Length(max=200)],
        filters=[strip],
        description=_l("Leave empty if free."),
    )
    ce_credits = StringField(
        _l("Continuing education credits"),
        [Optional(), Length(max=200)],
        filters=[strip],
        description=_l('For example "2 CE hours". Leave empty if none.'),
    )

    # Accessibility
    languages = LanguagesField(
        _l("Language of the event"),
        default=["en"],
        description=_l(
            "The language the event is held in: en for English, es for Spanish. For several, "
            "separate the codes with commas (en, es)."
        ),
    )
    accessibility = MultiCheckboxField(
        _l("Accessibility features"), choices=choices(vocab.ACCESSIBILITY)
    )

    # Contact (never public)
    contact_name = StringField(
        _l("Contact name"),
        [DataRequired(_l("Enter a contact name.")), Length(max=200)],
        filters=[strip],
    )
    contact_email = StringField(
        _l("Contact e-mail"),
        [
            DataRequired(_l("Enter a contact e-mail.")),
            Length(max=254),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
        filters=[strip],
        description=_l("The private manage link is sent here."),
    )

    TEXT_FIELDS = (
        "title", "organization", "venue_name", "address", "city", "postal_code", "online_url",
        "registration_url", "cost", "ce_credits", "contact_name", "contact_email",
    )  # fmt: skip

    def validate(self, extra_validators=None) -> bool:
        return self.validate_form(super().validate(extra_validators))

    def validate_form(self, ok: bool) -> bool:
        """The checks that follow the fields' own: control characters in the text fields,
        then the rules that tie fields together (:meth:`validate_event`)."""
        fields = self._fields
        texts = [fields[name].data for name in self.TEXT_FIELDS]
        if has_control_chars("".join([t for t in texts if isinstance(t, str)])):
            # Some field has one (searching them all at once is cheaper): which.
            for name in self.TEXT_FIELDS:
                field = self[name]
                if isinstance(field.data, str) and has_control_chars(field.data):
                    field.errors = [*field.errors, _("Remove control characters from this field.")]
                    ok = False
        if isinstance(self.description.data, str) and has_control_chars(
            self.description.data, multiline=True
        ):
            self.description.errors = [
                *self.description.errors,
                _("Remove control characters from the description."),
            ]
            ok = False
        return self.validate_event(ok)

    def error(self, name: str, message: str) -> None:
        field = self[name]
        if message not in field.errors:
            field.errors = [*field.errors, message]
            self._added_errors = True

    def validate_event(self, ok: bool) -> bool:
        """The rules that tie fields together (SPEC §2)."""
        self._added_errors = False
        for name in ("start_date", "end_date", "recurrence_until", "registration_deadline"):
            value = self[name].data
            if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
                self.error(
                    name,
                    _(
                        "Enter a date between %(first)s and %(last)s.",
                        first=YEARS[0],
                        last=YEARS[1],
                    ),
                )
                self[name].data = None  # out-of-range dates would overflow the UTC columns
        if not is_valid_timezone(self.timezone.data or ""):
            self.error(
                "timezone", _("Choose a time zone from the list (for example America/Chicago).")
            )
        on_demand = self.format.data == "on-demand"
        timed = not on_demand and not self.all_day.data
        start_date, end_date = self.start_date.data, self.end_date.data
        if timed and start_date and self.start_time.data is None and not self.start_time.errors:
            self.error("start_time", _("Enter a start time, or tick All day."))
        if start_date and end_date and end_date < start_date:
            self.error("end_date", _("The end date is before the start date."))
        elif (
            timed
            and start_date
            and self.start_time.data
            and self.end_time.data
            and (end_date or start_date) == start_date
            and self.end_time.data <= self.start_time.data
        ):
            self.error("end_time", _("The end time is before the start time."))
        if self.end_time.data and not self.start_time.data and timed:
            self.error("start_time", _("Enter a start time as well as an end time."))

        if self.format.data in ("in-person", "hybrid"):
            # Translated only when missing (most rows of an import have a place).
            for name, message in (
                ("venue_name", _l("Enter the venue: in-person and hybrid events need a place.")),
                (
                    "address",
                    _l("Enter the street address: in-person and hybrid events need a place."),
                ),
                ("city", _l("Enter the city: in-person and hybrid events need a place.")),
                (
                    "postal_code",
                    _l("Enter the ZIP code: in-person and hybrid events need a place."),
                ),
                ("state", _l("Enter the state: in-person and hybrid events need a place.")),
            ):
                if not self[name].data:
                    self.error(name, str(message))
        if self.postal_code.data and not POSTAL_CODE.match(self.postal_code.data):
            self.error("postal_code", _("Enter a 5-digit ZIP code (or ZIP+4)."))

        mode = self.registration_mode.data
        if mode == "external" and not self.registration_url.data:
            self.error(
                "registration_url",
                _("Enter the registration link, or choose another registration option."),
            )
        if mode == "hub" and not self.capacity.data and not self.capacity.errors:
            self.error("capacity", _("Enter how many people can register."))
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
                    "registration_deadline",
                    _("The registration deadline is after the event starts."),
                )

        recurrence = self.recurrence.data
        if recurrence in MAX_OCCURRENCE:
            if on_demand:
                self.error(
                    "recurrence", _("On-demand items do not repeat; choose Does not repeat.")
                )
            until, count = self.recurrence_until.data, self.recurrence_count.data
            if until and count:
                self.error(
                    "recurrence_count", _("Give either an end date or a number of times, not both.")
                )
            elif (
                not until
                and not count
                and not self.recurrence_until.errors
                and not self.recurrence_count.errors
            ):
                self.error(
                    "recurrence_until", _("Say until when the event repeats (or how many times).")
                )
            if until and start_date and until < start_date:
                self.error("recurrence_until", _("The repeat end date is before the start date."))
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
                        {
                            "daily": _(
                                "Each occurrence of a daily event must be shorter "
                                "than its repeat interval."
                            ),
                            "weekly": _(
                                "Each occurrence of a weekly event must be shorter "
                                "than its repeat interval."
                            ),
                            "monthly": _(
                                "Each occurrence of a monthly event must be shorter "
                                "than its repeat interval."
                            ),
                        }[recurrence],
                    )
        return ok and not self._added_errors


#: The event's fields in the form's order: what held revisions keep and diffs compare.
EVENT_FIELDS = tuple(
    name for name, value in vars(EventForm).items() if isinstance(value, UnboundField)
)


# Checking many rows with one form (the CSV importer) ------------------------------------
#
# Most columns of an import repeat a handful of values (the level, the format, the time
# zone, the dates...), and a field's processing and own checks read only its raw value.
# ``check`` does what ``form.process(formdata, data=data)`` then ``form.validate()`` do,
# but takes the outcome of a field from a memo when the field had the same raw value in an
# earlier row and that value passed its checks then; every other value goes through
# WTForms as before, and the form-wide checks (:meth:`EventForm.validate_form`) run for
# every row. The browser's forms do not use it.

#: Validators (types, or functions marked below) that read only the field they check.
_FIELD_ONLY_VALIDATORS = (DataRequired, InputRequired, Optional, Length, NumberRange, Email)
_FIELD_ONLY_FUNCTIONS = {http_url}
_FIELD_ONLY_FILTERS = {strip, normalize_newlines}
#: Field classes whose processing and pre/post_validate read only their own value.
_FIELD_ONLY_CLASSES = {
    StringField, TextAreaField, IntegerField, BooleanField, SelectField, SelectMultipleField,
    MultiCheckboxField, LanguagesField, DateField, TimeField, DateTimeLocalField,
}  # fmt: skip
#: Types of the data a memo may hand out again (lists of these are copied for each row).
_PLAIN = {str, int, bool, float, date, time, datetime, type(None)}


class FormValues(dict):
    """Form input as lists of values by field name, read by the form as it reads a
    MultiDict (``name in values``, ``values.getlist(name)``); cheaper to build for every
    row of an import, and :func:`check` reads the lists without copying them."""

    __slots__ = ()

    def getlist(self, key: str) -> list:
        return list(self[key]) if key in self else []

    def first(self, key: str):
        values = dict.get(self, key)
        return values[0] if values else None


class FieldMemo:
    """The error-free outcomes (data and process errors) of a reused form's fields, by raw
    value list, for the same ``data`` (the fields' fixed defaults), by locale (process
    errors such as an empty date cell's are translated, even when a validator clears them).

    A field is memoized only if its class, filters and validators are known to read nothing
    but its value, its default is given in ``data`` (callable defaults stay called for
    every row) and the form has no ``filter_``/``validate_`` method for it. A field whose
    values do not repeat (a title) is no longer memoized once it has ``LIMIT`` values and
    fewer hits; one whose values repeat keeps its first ``LIMIT`` values."""

    #: Values kept by field; after ``SAMPLE`` values, a field with fewer hits than a
    #: quarter of its values (a title, an address) is no longer memoized.
    LIMIT = 4096
    SAMPLE = 256

    def __init__(self, form, data: dict):
        self.form = form
        self.data = data
        self.fields = {
            name
            for name, field in form._fields.items()
            if name in data
            and type(field) in _FIELD_ONLY_CLASSES
            and getattr(field, "_datalist", None) is None
            and getattr(field, "_choices_callable", None) is None
            and not hasattr(form, f"filter_{name}")
            and not hasattr(type(form), f"validate_{name}")
            and all(f in _FIELD_ONLY_FILTERS for f in field.filters)
            and all(
                isinstance(v, _FIELD_ONLY_VALIDATORS) or v in _FIELD_ONLY_FUNCTIONS
                for v in field.validators
            )
        }
        self.rows = 0
        self.stores: dict[str, dict[str, dict]] = {}  # locale → field name → outcomes
        self.plans: dict[str, list] = {}  # locale → [(name, field, outcomes or None)]
        self.last: tuple = (None, None)  # the last locale object seen, and its plan

    def plan(self) -> list[tuple]:
        """The form's fields in order, each with its outcomes in the current locale
        ({raw value key → (data, process errors)}) or None if it is not memoized."""
        self.rows += 1
        locale = get_locale()
        if locale is self.last[0] and locale is not None:
            return self.last[1]
        name = str(locale)
        plan = self.plans.get(name)
        if plan is None:
            stores = self.stores.get(name)
            if stores is None:
                stores = self.stores[name] = {name: {} for name in self.fields}
            form = self.form
            plan = self.plans[name] = [
                (
                    name,
                    field,
                    stores.get(name),
                    self.data.get(name, unset_value),
                    # The form's own filter and validator for the field, as BaseForm.process
                    # and Form.validate look them up.
                    getattr(form, f"filter_{name}", None),
                    getattr(type(form), f"validate_{name}", None),
                )
                for name, field in form._fields.items()
            ]
        self.last = (locale, plan)
        return plan

    def keep(self, store: dict, name: str, key, field) -> None:
        """Remember a field's outcome for ``key`` if it passed its checks."""
        if field.errors or name not in self.fields:
            return
        value = field.data
        if type(value) is list:
            if not all(type(v) in _PLAIN for v in value):
                return
        elif type(value) not in _PLAIN:
            return
        size = len(store)
        if size >= self.LIMIT:
            return
        if size >= self.SAMPLE and (self.rows - size) * 4 < size:
            self.fields.discard(name)
            for stores in self.stores.values():
                stores.pop(name, None)
            self.plans.clear()
            self.last = (None, None)
            return
        store[key] = (value, tuple(field.process_errors))


def check(form: "EventForm", formdata, data: dict) -> bool:
    """``form.process(formdata=formdata, data=data)`` then ``form.validate()``, the fields'
    outcomes for values seen in earlier calls with the same ``data`` taken from the form's
    :class:`FieldMemo`. ``data`` must not change between calls that share a memo."""
    memo = form.__dict__.get("_field_memo")
    if memo is None or memo.data is not data:
        memo = form._field_memo = FieldMemo(form, data)
    formdata = form.meta.wrap_formdata(form, formdata)
    if type(formdata) is FormValues:
        get = formdata.get  # the lists themselves, not copies
    else:

        def get(name):
            return formdata.getlist(name) if name in formdata else None

    missed = []
    for name, field, store, default, inline_filter, inline in memo.plan():
        if store is not None:
            raw = get(name) or []
            key = raw[0] if len(raw) == 1 else tuple(raw)
            try:
                outcome = store.get(key)
            except TypeError:  # a value that cannot be a key (a default given as a list)
                outcome = store = None
            if outcome is not None:
                value, process_errors = outcome
                field.process_errors = list(process_errors) if process_errors else []
                field.object_data = default
                field.raw_data = raw
                field.data = list(value) if type(value) is list else value
                field.errors = []
                continue
        else:
            key = None
        # As BaseForm.process does for each field.
        field.process(formdata, default, [inline_filter] if inline_filter is not None else [])
        missed.append((name, field, store, key, inline))
    if form._parent_form is None:
        for _name, field, _store, _key, _inline in missed:
            # The fields taken from the memo have no post_process of their own to run.
            field.post_process(formdata)
    ok = True
    for name, field, store, key, inline in missed:
        # As Form.validate and BaseForm.validate do for each field.
        if not field.validate(form, [inline] if inline is not None else ()):
            ok = False
        elif store is not None:
            memo.keep(store, name, key, field)
    return form.validate_form(ok)
