"""Moderators' forms. Every one carries Flask-WTF's CSRF token."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..db import MAX_ID
from ..text import has_control_chars
from .services import DECISIONS

DECISION_CHOICES = [
    SelectChoice("approve", _l("Approve and publish")),
    SelectChoice("reject", _l("Reject")),
    SelectChoice("request-changes", _l("Ask for changes")),
]
assert [choice.value for choice in DECISION_CHOICES] == list(DECISIONS)

REASON_HELP = _l("The submitter reads this in an e-mail and on their manage page.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ReasonMixin:
    def reason_ok(self, required: bool) -> bool:
        reason = self.reason.data or ""
        if has_control_chars(reason, multiline=True):
            self.reason.errors = [*self.reason.errors, _("Remove control characters.")]
            return False
        if required and not reason:
            self.reason.errors = [
                *self.reason.errors,
                _("Give a reason: it is required unless you approve."),
            ]
            return False
        return True


class DecisionForm(ReasonMixin, FlaskForm):
    """``POST /moderate/events/<id>/decision``: ``decision`` and ``reason`` (SPEC §8)."""

    decision = RadioField(
        _l("Decision"),
        choices=DECISION_CHOICES,
        validators=[InputRequired(_l("Choose approve, reject or ask for changes."))],
    )
    reason = TextAreaField(
        _l("Reason"), [Optional(), Length(max=5000)], filters=[strip], description=REASON_HELP
    )
    #: The held change the moderator looked at (refused if a newer one arrived meanwhile).
    revision = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        number = str(self.revision.data or "")
        # ASCII digits only: "²".isdigit() is true and int("²") fails (a 500).
        if number and not (number.isascii() and number.isdigit() and len(number) <= 12):
            self.revision.errors = [*self.revision.errors, _("Not a change number.")]
            ok = False
        return self.reason_ok(required=self.decision.data in ("reject", "request-changes")) and ok

    @property
    def revision_id(self) -> int | None:
        return int(self.revision.data) if self.revision.data else None


class BulkDecisionForm(ReasonMixin, FlaskForm):
    """The same decision for several queue items (event ids)."""

    items = SelectMultipleField(_l("Selected"), coerce=int, validate_choice=False)
    decision = RadioField(
        _l("Decision for the selected items"),
        choices=DECISION_CHOICES,
        validators=[InputRequired(_l("Choose what to do with the selected items."))],
    )
    reason = TextAreaField(
        _l("Reason (for reject and ask for changes)"),
        [Optional(), Length(max=5000)],
        filters=[strip],
        description=_l("Sent to every selected submitter."),
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.items.data and not self.items.errors:
            self.items.errors = [*self.items.errors, _("Select at least one item.")]
            ok = False
        elif any(not 1 <= item <= MAX_ID for item in self.items.data or []):
            # A number no id column holds overflows the database driver (a 500).
            self.items.errors = [*self.items.errors, _("Not an event number.")]
            ok = False
        return self.reason_ok(required=self.decision.data in ("reject", "request-changes")) and ok


class ReasonForm(ReasonMixin, FlaskForm):
    """Cancel or un-publish: the reason is required."""

    reason = TextAreaField(_l("Reason"), [Optional(), Length(max=5000)], filters=[strip])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.reason_ok(required=True) and ok


class MergeForm(ReasonMixin, FlaskForm):
    into = IntegerField(
        _l("Merge into event number"),
        [
            DataRequired(_l("Enter the number of the original event.")),
            NumberRange(1, 2**31 - 1, _l("Enter an event number.")),
        ],
    )
    reason = TextAreaField(_l("Note (optional)"), [Optional(), Length(max=5000)], filters=[strip])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.reason_ok(required=False) and ok


class ToggleForm(FlaskForm):
    """Switch a flag on or off (feature, trust)."""

    on = BooleanField(_l("On"))


class DomainForm(FlaskForm):
    domain = StringField(
        _l("E-mail domain"),
        [DataRequired(_l("Enter a domain.")), Length(max=253)],
        filters=[strip],
        description=_l("For example ag.ky.gov: confirmed contacts at this domain skip the queue."),
    )


class EmptyForm(FlaskForm):
    """Only the CSRF token (a button that needs nothing else)."""


class SplitForm(ReasonMixin, FlaskForm):
    """Move chosen events of an organization to another (new) organization."""

    events = SelectMultipleField(_l("Events to move"), coerce=int, validate_choice=False)
    name = StringField(
        _l("Name of the organization they belong to"),
        [DataRequired(_l("Enter the organization's name.")), Length(max=200)],
        filters=[strip],
        description=_l("A new organization is created unless one of this name already exists."),
    )
    reason = TextAreaField(_l("Note for the log (optional)"), [Optional(), Length(max=5000)],
                           filters=[strip])  # fmt: skip
    next = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if has_control_chars(self.name.data or ""):
            self.name.errors = [*self.name.errors, _("Remove control characters.")]
            ok = False
        if not self.events.data and not self.events.errors:
            self.events.errors = [*self.events.errors, _("Choose at least one event to move.")]
            ok = False
        elif any(not 1 <= item <= MAX_ID for item in self.events.data or []):
            self.events.errors = [*self.events.errors, _("Not an event number.")]
            ok = False
        return self.reason_ok(required=False) and ok
