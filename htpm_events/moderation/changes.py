"""What changed between two versions of an event, field by field (form data, SPEC §2 names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _

from ..events.forms import EVENT_FIELDS, EventForm
from ..text import name_key
from ..web import vocab_label

#: The fields compared, in the order of the form.
COMPARED = EVENT_FIELDS

#: Vocabulary of the fields whose values are codes.
LABELLED = {
    "level": "level",
    "event_type": "event_type",
    "format": "format",
    "state": "state",
    "recurrence": "recurrence",
    "registration_mode": "registration_mode",
    "topics": "topic",
    "audiences": "audience",
    "accessibility": "access",
}


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str


def normalized(name: str, value):
    if value in (None, "", [], False):
        return ["en"] if name == "languages" else None
    if name == "organization":
        return name_key(value)
    if isinstance(value, str):
        return value.strip().replace("\r\n", "\n")
    if isinstance(value, list):
        return tuple(value)
    return value


def changed_fields(before: dict, after: dict) -> list[str]:
    """Names of the fields whose values differ (only fields present in ``after``)."""
    return [
        name
        for name in COMPARED
        if name in after and normalized(name, before.get(name)) != normalized(name, after[name])
    ]


def shown(name: str, value) -> str:
    """A value as a moderator reads it."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        kind = LABELLED.get(name)
        return ", ".join(vocab_label(v, kind) if kind else str(v) for v in value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if name in LABELLED:
        return vocab_label(str(value), LABELLED[name])
    return str(value)


def field_label(name: str) -> str:
    field = getattr(EventForm, name, None)
    args = getattr(field, "args", None) or ()
    return str(args[0]) if args else name.replace("_", " ").capitalize()


def diff(before: dict, after: dict) -> list[FieldChange]:
    return [
        FieldChange(
            name, field_label(name), shown(name, before.get(name)), shown(name, after[name])
        )
        for name in changed_fields(before, after)
    ]


def flyer_change(event_flyer_name: str | None, payload: dict) -> FieldChange | None:
    """The flyer part of a held change (see ``submissions.services.held_payload``)."""
    upload = payload.get("flyer_upload")
    before = event_flyer_name or "—"
    if isinstance(upload, dict):
        new = _("%(filename)s (new file)", filename=upload.get("filename"))
        return FieldChange("flyer", _("Flyer"), before, new)
    if payload.get("flyer_remove"):
        return FieldChange("flyer", _("Flyer"), before, _("removed"))
    return None
