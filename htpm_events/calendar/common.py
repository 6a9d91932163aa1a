"""What the public pages share: reading the §4 filters and page numbers from the query
string (a bad value is a 400 naming it), and what the filter form needs."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from babel.lists import format_list
from flask import abort, request
from flask_babel import gettext

from .. import vocab
from ..events.filters import EventFilter, FilterError
from ..i18n import current_locale
from ..timeutil import zone
from ..vocab import N_

#: The zone of "today" where a page must pick one (the month grid's highlight, /calendar):
#: most of the hub's events are in the US Eastern zone; calendar.js re-marks today in the
#: visitor's own zone.
HUB_ZONE = "America/New_York"
#: Deepest page of a list; beyond it, narrow the dates (``from=``) instead.
MAX_PAGE = 200

#: Languages offered in the filter form (any BCP 47 code works in the URL).
LANGUAGES = {
    "en": N_("English"),
    "es": N_("Spanish"),
    "zh": N_("Chinese"),
    "vi": N_("Vietnamese"),
    "tl": N_("Tagalog"),
    "ko": N_("Korean"),
    "ar": N_("Arabic"),
    "ru": N_("Russian"),
    "fr": N_("French"),
    "ht": N_("Haitian Creole"),
    "pt": N_("Portuguese"),
    "ase": N_("American Sign Language"),
}


def language_name(code: str) -> str:
    """A BCP 47 code's name in the page's language ("Spanish", "Español"); the code itself
    when the hub has no name for it."""
    name = LANGUAGES.get(code.split("-")[0].lower())
    return gettext(name) if name else code


def language_phrase(codes: list[str]) -> str:
    """What a listing says about an event's languages: "In Spanish", "En español", "In
    English and Spanish"."""
    names = [language_name(code) for code in codes]
    if current_locale() != "en":  # Spanish writes language names in lower case mid-sentence
        names = [name[:1].lower() + name[1:] if name[1:2].islower() else name for name in names]
    return gettext("In %(languages)s", languages=format_list(names, locale=current_locale()))


#: The checkbox groups of the filter form: (parameter, legend, vocabulary).
CHECKBOX_GROUPS = (
    ("level", N_("Level"), vocab.LEVELS),
    ("format", N_("Format"), vocab.FORMATS),
    ("event_type", N_("Event type"), vocab.EVENT_TYPES),
    ("topic", N_("Topic"), vocab.TOPICS),
    ("audience", N_("Audience"), vocab.AUDIENCES),
    ("access", N_("Accessibility"), vocab.ACCESSIBILITY),
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
        abort(
            400,
            description=gettext(
                "%(name)s=“%(raw)s” must be a whole number from %(low)s to %(high)s.",
                name=name, raw=raw, low=low, high=high,
            ) + hint,
        )  # fmt: skip
    return int(raw)


def page_arg() -> int:
    hint = " " + gettext("To see later events, choose a later from= date.")
    return int_arg("page", 1, 1, MAX_PAGE, hint)


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
            "legend": gettext(legend),
            "options": [
                (code, gettext(label), code in getattr(event_filter, param))
                for code, label in table.items()
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
        "languages": [
            (code, gettext(name) if code in LANGUAGES else name, code in event_filter.lang)
            for code, name in languages.items()
        ],
        "filter": event_filter,
    }
