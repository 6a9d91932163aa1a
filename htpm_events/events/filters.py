"""The filters of SPEC §4, parsed once from query parameters and turned into SQL.

The same :class:`EventFilter` serves ``/events``, ``/calendar/…``, the feeds, the JSON API
and the embed widget, so a filter means the same thing everywhere. Repeating a parameter
means OR within it; different parameters combine with AND. An unknown or malformed value
raises :class:`FilterError`, which views answer with 400 naming the value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import vocab
from ..db import MAX_ID, Unindexed
from ..extensions import db
from .models import Event, EventTag, Organization

LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
#: What :func:`..text.slugify` makes of a name (plus a "-2" suffix): an ``org=`` slug.
ORG_SLUG = re.compile(r"[a-z0-9-]{1,250}")
#: The years ``from=``/``to=`` accept (the month grid's range).
DATE_YEARS = (1900, 2999)
#: Every timezone is within 14 hours of UTC: the SQL pre-filter widens date windows by this.
MAX_OFFSET = timedelta(hours=14)

#: parameter -> (vocabulary, label)
VOCAB_PARAMS = {
    "level": (vocab.LEVELS, vocab.N_("level")),
    "state": (vocab.STATES, vocab.N_("state")),
    "format": (vocab.FORMATS, vocab.N_("format")),
    "event_type": (vocab.EVENT_TYPES, vocab.N_("event type")),
    "topic": (vocab.TOPICS, vocab.N_("topic")),
    "audience": (vocab.AUDIENCES, vocab.N_("audience")),
    "access": (vocab.ACCESSIBILITY, vocab.N_("accessibility")),
}
TAG_KINDS = {"topic": "topic", "audience": "audience", "access": "access", "lang": "lang"}
#: The order parameters appear in normalized query strings.
ORDER = ("q", "level", "state", "format", "event_type", "topic", "audience", "access", "lang",
         "org", "free", "open", "from", "to")  # fmt: skip


class FilterError(ValueError):
    """A bad filter value; ``str()`` is the message for the person who sent it."""

    def __init__(self, param: str, value: str, message: str):
        super().__init__(message)
        self.param = param
        self.value = value


@dataclass
class EventFilter:
    q: str = ""
    level: list[str] = field(default_factory=list)
    state: list[str] = field(default_factory=list)
    format: list[str] = field(default_factory=list)
    event_type: list[str] = field(default_factory=list)
    topic: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    access: list[str] = field(default_factory=list)
    lang: list[str] = field(default_factory=list)
    #: Organization ids (the ``org`` parameter takes an id or a slug).
    org: list[int] = field(default_factory=list)
    #: The ``org`` values as given, for links and descriptions.
    org_given: list[str] = field(default_factory=list)
    free: bool = False
    open: bool = False
    date_from: date | None = None
    date_to: date | None = None

    # --- parsing -------------------------------------------------------------------------

    @classmethod
    def from_args(cls, args: MultiDict) -> EventFilter:
        self = cls()
        self.q = " ".join((args.get("q") or "").split())[:200]
        if self.q and re.search(r"[\x00-\x1f\x7f]", self.q):
            raise FilterError("q", self.q, _("The search text has control characters."))
        for param, (table, label) in VOCAB_PARAMS.items():
            values = []
            for raw in args.getlist(param):
                for value in filter(None, (v.strip() for v in raw.split(","))):
                    value = value.upper() if param == "state" else value.lower()
                    if value not in table:
                        raise FilterError(
                            param,
                            value,
                            _(
                                "Unknown %(what)s “%(value)s” in %(param)s=.",
                                what=_(label),
                                value=value,
                                param=param,
                            ),
                        )
                    values.append(value)
            setattr(self, param, list(dict.fromkeys(values)))
        for raw in args.getlist("lang"):
            for value in filter(None, (v.strip() for v in raw.split(","))):
                if not LANGUAGE.match(value):
                    raise FilterError(
                        "lang",
                        value,
                        _("“%(value)s” in lang= is not a language code.", value=value),
                    )
                self.lang.append(value.lower())
        self.lang = list(dict.fromkeys(self.lang))
        for raw in args.getlist("org"):
            for value in filter(None, (v.strip() for v in raw.split(","))):
                self.org.append(resolve_org(value))
                self.org_given.append(value)
        self.free = flag(args, "free")
        self.open = flag(args, "open")
        self.date_from = iso_date(args, "from")
        self.date_to = iso_date(args, "to")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise FilterError("to", args.get("to"), _("The to= date is before the from= date."))
        return self

    # --- SQL -----------------------------------------------------------------------------

    def conditions(self, now: datetime | None = None, unindexed: bool = False) -> list:
        """WHERE clauses on :class:`Event` for everything but the date window and status.

        ``unindexed``: for a read driven by another table's index (the occurrence rows, in
        order), keep SQLite from starting at an index of events that a filter names (it
        would then sort every match to return the first fifty)."""
        where = []

        def column(name: str):
            found = getattr(Event, name)
            return Unindexed(found) if unindexed else found

        for param in ("level", "state", "format", "event_type"):
            values = getattr(self, param)
            if values:
                where.append(column(param).in_(values))
        for param, kind in TAG_KINDS.items():
            values = getattr(self, param)
            if not values:
                continue
            match = EventTag.value.in_(values)
            if param == "lang":
                match = sa.or_(match, *(EventTag.value.like(f"{v}-%") for v in values))
            where.append(
                sa.exists().where(EventTag.event_id == Event.id, EventTag.kind == kind, match)
            )
        if self.org:
            where.append(column("organization_id").in_(self.org))
        if self.free:
            where.append(
                sa.or_(
                    Event.cost.is_(None),
                    Event.cost == "",
                    sa.func.lower(Event.cost).in_(("free", "$0", "0")),
                )
            )
        if self.open:
            now = now or datetime.now(UTC)
            where.append(column("registration_mode").in_(("external", "hub")))
            where.append(column("status") == "approved")
            where.append(
                sa.or_(
                    column("registration_deadline") > now,
                    sa.and_(column("registration_deadline").is_(None), column("starts_at") > now),
                )
            )
        if self.q:
            from .search import search_condition

            where.append(search_condition(self.q))
        return where

    def window(self, default_from: date | None) -> tuple[date | None, date | None]:
        """The local-date window [from, to] (inclusive), with the view's default start."""
        return (self.date_from or default_from, self.date_to)

    @staticmethod
    def window_condition(first: date | None, last: date | None) -> list:
        """A UTC pre-filter for events with an occurrence overlapping local days first..last;
        exact per-zone placement is checked when occurrences are expanded."""
        where = []
        if first is not None:
            since = datetime.combine(first, time(0), tzinfo=UTC) - MAX_OFFSET
            where.append(sa.or_(Event.series_ends_at.is_(None), Event.series_ends_at > since))
        if last is not None:
            until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC) + MAX_OFFSET
            where.append(Event.starts_at < until)
        return where

    # --- presentation ----------------------------------------------------------------------

    def params(self) -> list[tuple[str, str]]:
        """Normalized (param, value) pairs in a fixed order: for links and cache keys."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for param in ORDER[1:9]:
            pairs.extend((param, v) for v in sorted(getattr(self, param)))
        pairs.extend(("org", v) for v in self.org_given)
        if self.free:
            pairs.append(("free", "1"))
        if self.open:
            pairs.append(("open", "1"))
        if self.date_from:
            pairs.append(("from", self.date_from.isoformat()))
        if self.date_to:
            pairs.append(("to", self.date_to.isoformat()))
        return pairs

    def query_string(self, **extra) -> str:
        pairs = self.params() + [(k, str(v)) for k, v in extra.items() if v not in (None, "")]
        return urlencode(pairs)

    def is_empty(self) -> bool:
        return not self.params()

    def active(self) -> list[tuple[str, str, str]]:
        """(param, value, label) for each active filter, to show with a remove link."""
        out = []
        for param, value in self.params():
            out.append((param, value, label_for(param, value)))
        return out

    def without(self, param: str, value: str) -> str:
        """The query string with one filter value removed."""
        pairs = [(p, v) for p, v in self.params() if not (p == param and v == value)]
        return urlencode(pairs)

    def describe(self) -> str:
        """Short words for a calendar name: "federal, CA"; "" when nothing is filtered."""
        words = []
        for param, value in self.params():
            if param in ("from", "to"):
                words.append(
                    _("from %(date)s", date=value)
                    if param == "from"
                    else _("to %(date)s", date=value)
                )
            elif param == "q":
                words.append(f"“{value}”")
            elif param in ("free", "open"):
                words.append(_("free") if param == "free" else _("registration open"))
            elif param == "org":
                words.append(org_name(value))
            else:
                words.append(value)
        return ", ".join(words)


def flag(args: MultiDict, name: str) -> bool:
    value = args.get(name)
    if value in (None, "", "0"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise FilterError(
        name,
        value,
        _("%(name)s= takes 1 (or leave it out), not “%(value)s”.", name=name, value=value),
    )


def iso_date(args: MultiDict, name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        found = date.fromisoformat(value)
    except ValueError:
        raise FilterError(
            name,
            value,
            _("%(name)s=“%(value)s” is not a date (use YYYY-MM-DD).", name=name, value=value),
        ) from None
    if not DATE_YEARS[0] <= found.year <= DATE_YEARS[1]:
        # Year 1 or 9999 would overflow the window arithmetic (a 500).
        raise FilterError(
            name,
            value,
            _(
                "%(name)s=“%(value)s” is out of range: use a date from %(first)s to %(last)s.",
                name=name,
                value=value,
                first=DATE_YEARS[0],
                last=DATE_YEARS[1],
            ),  # fmt: skip
        )
    return found


def org_id(value: str) -> int | None:
    """The organization id that ``org=`` names, or None when it is a slug. Only ASCII
    digits count (``"²".isdigit()`` is true), and an id no database column holds is 0,
    which matches nothing."""
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value) if len(value) <= 12 and int(value) <= MAX_ID else 0


def org_condition(value: str):
    """The WHERE clause of the public organization ``org=`` names, or None when the value
    can be neither an id nor a slug (a NUL would make PostgreSQL fail: a 500). Public: with
    a published event, so that names from unpublished submissions stay private (as in the
    form's suggestions)."""
    number = org_id(value)
    if number is not None:
        named = Organization.id == number
    elif ORG_SLUG.fullmatch(value.lower()):
        named = Organization.slug == value.lower()
    else:
        return None
    published = sa.select(Event.organization_id).where(Event.published.is_not(None))
    return sa.and_(named, Organization.id.in_(published))


def resolve_org(value: str) -> int:
    condition = org_condition(value)
    found = None
    if condition is not None:
        found = db.session.scalar(sa.select(Organization.id).where(condition))
    if found is None:
        raise FilterError(
            "org",
            value,
            _("No organization “%(value)s” (org= takes an id or a slug).", value=value),
        )
    return found


def org_name(value: str) -> str:
    condition = org_condition(value)
    if condition is None:
        return value
    return db.session.scalar(sa.select(Organization.name).where(condition)) or value


def label_for(param: str, value: str) -> str:
    if param in VOCAB_PARAMS:
        table, label = VOCAB_PARAMS[param]
        name = table.get(value, value)
        name = name if param == "state" else _(name)
        return _("%(what)s: %(value)s", what=_(label).capitalize(), value=name)
    if param == "org":  # only here: the other labels need no query
        return _("Organization: %(name)s", name=org_name(value))
    if param == "q":
        return _("Search: %(text)s", text=value)
    if param == "lang":
        return _("Language: %(code)s", code=value)
    if param == "free":
        return _("Free")
    if param == "open":
        return _("Registration open")
    if param == "from":
        return _("From %(date)s", date=value)
    if param == "to":
        return _("To %(date)s", date=value)
    return f"{param}: {value}"


FILTER_FIELDS = [f.name for f in fields(EventFilter)]
