"""Time conversions: UTC instants plus an IANA zone name, on :mod:`zoneinfo`."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def now_utc() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_valid_timezone(name: str) -> bool:
    if not name or "/" not in name and name != "UTC":
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def common_timezones() -> list[str]:
    """Zones offered in forms: the US ones first, then every other canonical zone."""
    us = [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/Puerto_Rico",
        "America/St_Thomas",
        "Pacific/Guam",
        "Pacific/Saipan",
        "Pacific/Pago_Pago",
        "America/Boise",
        "America/Detroit",
        "America/Indiana/Indianapolis",
        "America/Kentucky/Louisville",
        "America/Adak",
        "UTC",
    ]
    rest = sorted(z for z in available_timezones() if "/" in z and z not in us)
    return us + [z for z in rest if not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))]


def localize(day: date, at: time, tzname: str) -> datetime:
    """The aware instant of a wall-clock time in ``tzname``.

    A time in the spring-forward gap resolves forward (fold=0 semantics of
    zoneinfo), an ambiguous autumn time to its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone(tzname))


def to_utc(day: date, at: time, tzname: str) -> datetime:
    return localize(day, at, tzname).astimezone(UTC)


def start_of_day_utc(day: date, tzname: str) -> datetime:
    return to_utc(day, time(0, 0), tzname)


def end_of_day_utc(day: date, tzname: str) -> datetime:
    """The instant the day after ``day`` begins in ``tzname`` (an exclusive end)."""
    return start_of_day_utc(day + timedelta(days=1), tzname)


def to_zone(instant: datetime, tzname: str) -> datetime:
    return instant.astimezone(zone(tzname))


def tz_abbreviation(day: date, at: time | None, tzname: str) -> str:
    return localize(day, at or time(12, 0), tzname).strftime("%Z")


def next_htpm_year(today: date) -> int:
    """The year of the next January that has not ended (this one during January)."""
    return today.year if today.month == 1 else today.year + 1
