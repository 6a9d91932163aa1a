"""VTIMEZONE components with RRULE observances, derived from zoneinfo and checked against it.

icalendar's ``add_missing_timezones`` writes one RDATE per transition, which Outlook desktop
mis-reads. Calendar apps expect what Google and Outlook themselves publish: one STANDARD and
one DAYLIGHT observance, each with a yearly RRULE ("the 2nd Sunday of March at 02:00"); a
zone without daylight saving time gets a single STANDARD observance.

The rule is not copied from anywhere: the transitions of the years a calendar needs are read
from zoneinfo, and a yearly rule is kept only if it reproduces every one of them. Years whose
transitions fit no rule (an archive event from before the 2007 US change, a zone that changed
its law) get one observance per transition instead, so that every time in the calendar maps
to the offset zoneinfo gives it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from ..timeutil import zone

#: Years read from zoneinfo, from the one before the calendar's first: a yearly rule is kept
#: only if every one of them follows it (later years are the rule's, as in zoneinfo itself).
HORIZON = 8
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Transition:
    #: Local wall time of the change, in the offset in force before it (RFC 5545 DTSTART).
    onset: datetime
    offset_from: timedelta
    offset_to: timedelta
    #: Abbreviation after the change (EST, CDT, ChST, +10).
    name: str
    #: Clocks go forward: a DAYLIGHT observance (else STANDARD).
    dst: bool

    @property
    def kind(self) -> tuple:
        return (self.offset_from, self.offset_to, self.name, self.dst)


def vtimezone(tzid: str, first_year: int) -> Timezone:
    """The VTIMEZONE for ``tzid``, correct for local times from ``first_year`` on.

    Cached per (zone, year); the component is shared, so callers must not change it."""
    return _vtimezone(tzid, first_year)


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, first_year: int) -> Timezone:
    start = first_year - 1  # the transition of the year before covers January 1
    years = {y: transitions(tzid, y) for y in range(start, start + HORIZON)}
    rule_from, rules = yearly_rules(years)

    component = Timezone()
    component.add("tzid", tzid)
    # Irregular years: one observance per change, each a single onset (no RDATE lists).
    observances = [observance(t) for y in range(start, rule_from) for t in years[y]]
    if rules:
        for first, rule in zip(years[rule_from], rules, strict=True):
            observances.append(observance(first, rule))
    if not years[start]:
        # Nothing changes in the first year: state the offset in force since the epoch.
        tz = zone(tzid)
        at = datetime(start, 1, 1, tzinfo=UTC).astimezone(tz)
        steady = Transition(EPOCH, at.utcoffset(), at.utcoffset(), at.tzname(), False)
        observances.insert(0, observance(steady))
    for item in observances:
        component.add_component(item)
    return component


def observance(t: Transition, rule: dict | None = None):
    item = TimezoneDaylight() if t.dst else TimezoneStandard()
    item.add("dtstart", t.onset)
    item.add("tzoffsetfrom", t.offset_from)
    item.add("tzoffsetto", t.offset_to)
    item.add("tzname", t.name)
    if rule:
        item.add("rrule", vRecur(rule))
    return item


@lru_cache(maxsize=4096)
def transitions(tzid: str, year: int) -> tuple[Transition, ...]:
    """Every change of UTC offset in ``year`` (UTC calendar year), found by probing zoneinfo
    day by day and narrowing each change down to the second."""
    tz = zone(tzid)
    begin = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    day = 86400
    found = []

    def offset(ts: int) -> timedelta:
        return datetime.fromtimestamp(ts, tz).utcoffset()

    before = offset(begin)
    ts = begin
    while ts < end:
        nxt = min(ts + day, end)
        after = offset(nxt)
        if after != before:
            low, high = ts, nxt  # offset(low) == before, offset(high) != before
            while high - low > 1:
                mid = (low + high) // 2
                if offset(mid) == before:
                    low = mid
                else:
                    high = mid
            local = datetime.fromtimestamp(high, tz)
            onset = datetime.fromtimestamp(high, UTC).replace(tzinfo=None) + before
            # DAYLIGHT is the observance that moves clocks forward, as Outlook expects, even
            # where tzdata calls winter the daylight-saving time (Europe/Dublin).
            found.append(Transition(onset, before, after, local.tzname(), after > before))
            before = after
        ts = nxt
    return tuple(found)


def yearly_rules(years: dict[int, tuple[Transition, ...]]) -> tuple[int, list[dict]]:
    """The first year from which every later year follows the same yearly rules, and those
    rules (one per transition of a year; empty when the zone no longer changes)."""
    ordered = sorted(years)
    last = ordered[-1]
    shape = [t.kind for t in years[last]]
    rule_from, rules = last + 1, []
    for first in reversed(ordered):
        if [t.kind for t in years[first]] != shape:
            break
        span = [years[y] for y in range(first, last + 1)]
        found = [fit([ts[i].onset for ts in span]) for i in range(len(shape))]
        if any(rule is None for rule in found):
            break
        rule_from, rules = first, found
    if not shape:
        rules = []
    return rule_from, rules


def fit(onsets: list[datetime]) -> dict | None:
    """A yearly RRULE that gives exactly these onsets (one per consecutive year), or None."""
    first = onsets[0]
    if any(
        (o.month, o.time()) != (first.month, first.time()) or o.year != first.year + i
        for i, o in enumerate(onsets)
    ):
        return None
    month = first.month
    base = {"FREQ": "YEARLY", "BYMONTH": [month]}
    if len({o.weekday() for o in onsets}) == 1:
        day = WEEKDAYS[first.weekday()]
        nths = {(o.day - 1) // 7 + 1 for o in onsets}
        if len(nths) == 1:
            return {**base, "BYDAY": [f"{nths.pop()}{day}"]}
        if all(o.day + 7 > calendar.monthrange(o.year, month)[1] for o in onsets):
            return {**base, "BYDAY": [f"-1{day}"]}
        low = min(o.day for o in onsets)
        shortest = min(calendar.monthrange(o.year, month)[1] for o in onsets)
        if low + 6 <= shortest and all(
            o.day == on_or_after(o.year, month, first.weekday(), low) for o in onsets
        ):
            days = list(range(low, low + 7))
            return {**base, "BYDAY": [day], "BYMONTHDAY": days}
        return None
    if len({o.day for o in onsets}) == 1:
        return {**base, "BYMONTHDAY": [first.day]}
    return None


def on_or_after(year: int, month: int, weekday: int, day: int) -> int:
    """The day of the month of the first ``weekday`` on or after ``day``."""
    shift = (weekday - calendar.weekday(year, month, day)) % 7
    return day + shift
