"""What the public pages share: reading the §4 filters and page numbers from the query
string (a bad value is a 400 naming it), and what the filter form needs."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask import abort, request

from .. import vocab
from ..events.filters import EventFilter, FilterError
from ..timeutil import zone

#: The zone of "today" where a page must pick one (the month grid's highlight, /calendar):
#: most of the hub's events are in the US Eastern zone; calendar.js re-marks today in the
#: visitor's own zone.
HUB_ZONE = "America/New_York"
#: Deepest page of a list; beyond it, narrow the dates (``from=``) instead.
MAX_PAGE = 200

#: Languages offered in the filter form (any BCP 47 code works in the URL).
LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "tl": "Tagalog",
    "ko": "Korean",
    "ar": "Arabic",
    "ru": "Russian",
    "fr": "French",
    "ht": "Haitian Creole",
    "pt": "Portuguese",
    "ase": "American Sign Language",
}

#: The checkbox groups of the filter form: (parameter, legend, vocabulary).
CHECKBOX_GROUPS = (
    ("level", "Level", vocab.LEVELS),
    ("format", "Format", vocab.FORMATS),
    ("event_type", "Event type", vocab.EVENT_TYPES),
    ("topic", "Topic", vocab.TOPICS),
    ("audience", "Audience", vocab.AUDIENCES),
    ("access", "Accessibility", vocab.ACCESSIBILITY),
)


def hub_today(now: datetime) -> date:
    return now.astimezone(zone(HUB_ZONE)).date()


def parse_filter() -> EventFilter:
    try:
        return EventFilter.from_args(request.args)
    except FilterError as error:
        abort(400, description=str(error))


def int_arg(name: str, default: int, low: int, high: int, hint: str = "") -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    digits = raw.isascii() and raw.isdigit() and len(raw) <= 12  # "²".isdigit() is true
    if not digits or not low <= int(raw) <= high:
        abort(400, description=f"{name}=“{raw}” must be a whole number from {low} to {high}.{hint}")
    return int(raw)


def page_arg() -> int:
    return int_arg("page", 1, 1, MAX_PAGE, " To see later events, choose a later from= date.")


def query_with(event_filter: EventFilter, **overrides) -> str:
    """The filters' query string with some parameters replaced (None removes one)."""
    names = {k.rstrip("_") for k in overrides}
    pairs = [(p, v) for p, v in event_filter.params() if p not in names]
    for key, value in overrides.items():
        if value is not None:
            pairs.append((key.rstrip("_"), str(value)))
    return urlencode(pairs)


def page_url(base: str, event_filter: EventFilter, page: int | None) -> str:
    """``base`` with the filters and a page number (none for page 1)."""
    query = query_with(event_filter, page=page if page and page > 1 else None)
    return base + ("?" + query if query else "")


def filter_form(event_filter: EventFilter) -> dict:
    """The filter form's groups, each option with its checked state."""
    groups = [
        {
            "param": param,
            "legend": legend,
            "options": [
                (code, label, code in getattr(event_filter, param)) for code, label in table.items()
            ],
        }
        for param, legend, table in CHECKBOX_GROUPS
    ]
    languages = dict(LANGUAGES)
    for code in event_filter.lang:
        languages.setdefault(code, code)
    return {
        "groups": groups,
        "states": [(code, name, code in event_filter.state) for code, name in vocab.STATES.items()],
        "languages": [(code, name, code in event_filter.lang) for code, name in languages.items()],
        "filter": event_filter,
    }
