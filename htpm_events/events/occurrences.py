"""RRULE construction and expansion (python-dateutil), in the event's local wall time so
that a weekly 10:00 meeting stays at 10:00 across a daylight-saving change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import rruleset, rrulestr

from ..timeutil import now_utc, zone

FREQ = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY"}
#: Safety cap on how many occurrences one event expands to.
MAX_OCCURRENCES = 1000
#: An imported rule without an end is expanded this far ahead (SPEC §6: two years).
HORIZON = timedelta(days=731)
#: Safety cap for imported series (a daily rule from years ago up to the horizon).
MAX_IMPORTED_OCCURRENCES = 20000


@dataclass(frozen=True)
class Occurrence:
    """One sitting of an event: aware local start and exclusive end (all-day: midnights)."""

    event: object
    start: datetime
    end: datetime

    @property
    def start_date(self) -> date:
        return self.start.date()

    @property
    def last_date(self) -> date:
        """The last local day the occurrence covers (inclusive)."""
        if self.end.time() == time(0) and self.end.date() > self.start.date():
            return self.end.date() - timedelta(days=1)
        return self.end.date()


def build_rrule(
    recurrence: str,
    until: date | None,
    count: int | None,
    tzname: str,
    start_time: time | None,
    all_day: bool,
) -> str | None:
    """The RRULE value for the §2 recurrence fields. With a TZID'd DTSTART, RFC 5545 wants
    UNTIL in UTC: the last local start on ``until``; all-day events use a DATE UNTIL."""
    if recurrence in (None, "", "none"):
        return None
    parts = [f"FREQ={FREQ[recurrence]}"]
    if count:
        parts.append(f"COUNT={count}")
    elif until:
        if all_day or start_time is None:
            parts.append(f"UNTIL={until:%Y%m%d}")
        else:
            last = datetime.combine(until, start_time, tzinfo=zone(tzname)).astimezone(UTC)
            parts.append(f"UNTIL={last:%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def local_bounds(event) -> tuple[datetime, datetime]:
    """Aware local start and exclusive end of the first occurrence."""
    tz = zone(event.timezone)
    if event.all_day or event.format == "on-demand" or event.start_time is None:
        start = datetime.combine(event.start_date, time(0), tzinfo=tz)
        last = event.end_date or event.start_date
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    else:
        start = datetime.combine(event.start_date, event.start_time, tzinfo=tz)
        end_time = (
            event.end_time
            or (datetime.combine(date.min, event.start_time) + timedelta(hours=1)).time()
        )
        end_day = event.end_date or event.start_date
        if event.end_time is None and end_time < event.start_time:
            end_day = end_day + timedelta(days=1)
        end = datetime.combine(end_day, end_time, tzinfo=tz)
    return start, end


def local_starts(event, limit: int = MAX_OCCURRENCES) -> list[datetime]:
    """Naive local starts of every occurrence, in order (just the first without an RRULE)."""
    start, _ = local_bounds(event)
    naive = start.replace(tzinfo=None)
    if getattr(event, "recurrence", None) == "custom":
        return imported_starts(event, naive)
    if not event.rrule:
        return [naive]
    rule = rrulestr(_naive_rule(event), dtstart=naive)
    out = []
    for value in rule:
        out.append(value)
        if len(out) >= limit:
            break
    return out


def parse_tokens(text: str | None) -> list[datetime | date]:
    """RDATE/EXDATE tokens as stored: "YYYYMMDD" (a day) or "YYYYMMDDTHHMMSS" (local)."""
    out: list[datetime | date] = []
    for token in (text or "").split():
        if "T" in token:
            out.append(datetime.strptime(token, "%Y%m%dT%H%M%S"))
        else:
            out.append(datetime.strptime(token, "%Y%m%d").date())
    return out


def imported_starts(event, naive: datetime) -> list[datetime]:
    """An imported series exactly as its source states it: DTSTART, the RRULE, RDATEs, minus
    EXDATEs (a DATE EXDATE removes that day), an unbounded rule up to :data:`HORIZON`."""
    horizon = (now_utc() + HORIZON).astimezone(zone(event.timezone)).replace(tzinfo=None)
    timed = not (event.all_day or event.start_time is None)
    at = naive.time()
    starts = rruleset()
    starts.rdate(naive)
    if event.rrule:
        starts.rrule(rrulestr(naive_rule(event.rrule, event.timezone), dtstart=naive))
    for value in parse_tokens(getattr(event, "rdates", None)):
        starts.rdate(value if isinstance(value, datetime) else datetime.combine(value, at))
    excluded_days = set()
    for value in parse_tokens(getattr(event, "exdates", None)):
        if isinstance(value, datetime):
            starts.exdate(value if timed else datetime.combine(value.date(), at))
        else:
            excluded_days.add(value)
    bounded = event.rrule is None or "UNTIL=" in event.rrule or "COUNT=" in event.rrule
    out = []
    for value in starts:
        if not bounded and value > horizon and out:
            break
        if value.date() in excluded_days:
            continue
        out.append(value)
        if len(out) >= MAX_IMPORTED_OCCURRENCES:
            break
    return out or [naive]


def _naive_rule(event) -> str:
    return naive_rule(event.rrule, event.timezone)


def naive_rule(rrule: str, tzname: str) -> str:
    """dateutil wants UNTIL in the same (naive, local) terms as DTSTART."""
    parts = []
    for part in rrule.split(";"):
        if part.startswith("UNTIL="):
            value = part[len("UNTIL=") :]
            if value.endswith("Z"):
                instant = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                local = instant.astimezone(zone(tzname)).replace(tzinfo=None)
                part = f"UNTIL={local:%Y%m%dT%H%M%S}"
            elif "T" not in value:
                part = f"UNTIL={value}T235959"
        parts.append(part)
    return ";".join(parts)


def occurrences(
    event, window_start: datetime | None = None, window_end: datetime | None = None
) -> list[Occurrence]:
    """Occurrences overlapping [window_start, window_end) (aware instants; None: unbounded)."""
    start, end = local_bounds(event)
    duration = end - start
    tz = zone(event.timezone)
    result = []
    for naive in local_starts(event):
        occ_start = naive.replace(tzinfo=tz)
        occ_end = (naive + duration).replace(tzinfo=tz)
        if window_end is not None and occ_start >= window_end:
            break
        if window_start is not None and occ_end <= window_start:
            continue
        result.append(Occurrence(event, occ_start, occ_end))
    return result


def series_end(event) -> datetime | None:
    """UTC end of the last occurrence; None for an on-demand item with no end."""
    if event.format == "on-demand" and event.end_date is None:
        return None
    start, end = local_bounds(event)
    last = local_starts(event)[-1]
    return (last + (end - start)).replace(tzinfo=zone(event.timezone)).astimezone(UTC)
