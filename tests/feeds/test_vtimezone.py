"""VTIMEZONEs use RRULE observances (no RDATE lists, which Outlook mis-reads) and give the
offsets zoneinfo gives, for every hour of the years a calendar holds."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from htpm_events.feeds.ical import to_bytes
from htpm_events.feeds.vtimezone import vtimezone

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Pacific/Guam",
    "Pacific/Pago_Pago",
    "America/Adak",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Sydney",
    "Asia/Jerusalem",
    "America/Sao_Paulo",
]


def offsets_disagree(tzid: str, first_year: int, years: int = 3, body: bytes | None = None):
    """Hourly instants where the VTIMEZONE (as icalendar reads it) and zoneinfo differ."""
    cal = Calendar.from_ical(body or to_bytes(vtimezone(tzid, first_year)))
    theirs = cal.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    ours = ZoneInfo(tzid)
    wrong = []
    instant = datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(hours=14)
    end = datetime(first_year + years, 1, 1, tzinfo=UTC)
    while instant < end:
        wall = instant.astimezone(ours).replace(tzinfo=None)
        # Read the wall time back through the VTIMEZONE: the same instant must come out.
        if not wall.replace(tzinfo=ours).fold and wall.replace(tzinfo=theirs).utcoffset() != (
            instant.astimezone(ours).utcoffset()
        ):
            wrong.append(wall)
        instant += timedelta(hours=1)
    return wrong


@pytest.mark.parametrize("tzid", ZONES)
def test_vtimezone_offsets_match_zoneinfo_through_the_years_of_the_feed(tzid):
    assert offsets_disagree(tzid, 2027) == []


def test_us_zone_has_one_standard_and_one_daylight_observance_with_yearly_rules():
    text = to_bytes(vtimezone("America/Chicago", 2027)).decode()
    assert "RDATE" not in text
    assert text.count("BEGIN:STANDARD") == 1 and text.count("BEGIN:DAYLIGHT") == 1
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in text
    # Each observance starts on one of its own occurrences, before the events of 2027.
    assert "DTSTART:20260308T020000" in text and "DTSTART:20261101T020000" in text


@pytest.mark.parametrize("tzid", ["America/Phoenix", "Pacific/Guam", "Pacific/Honolulu"])
def test_zone_without_daylight_time_has_a_single_standard_observance(tzid):
    text = to_bytes(vtimezone(tzid, 2027)).decode()
    assert text.count("BEGIN:STANDARD") == 1
    assert "DAYLIGHT" not in text and "RRULE" not in text and "RDATE" not in text


def test_archive_year_before_the_2007_us_rule_gets_its_own_transitions():
    # Until 2006, US daylight time began on the first Sunday of April.
    text = to_bytes(vtimezone("America/New_York", 2005)).decode()
    assert "DTSTART:20050403T020000" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in text
    assert offsets_disagree("America/New_York", 2005) == []


def test_southern_hemisphere_summer_is_daylight_time():
    assert offsets_disagree("Australia/Sydney", 2027) == []
    text = to_bytes(vtimezone("Australia/Sydney", 2027)).decode()
    assert "BYMONTH=10" in text and "BYMONTH=4" in text


def test_the_offset_check_notices_a_wrong_rule():
    wrong = to_bytes(vtimezone("America/Chicago", 2027)).replace(b"BYDAY=2SU", b"BYDAY=1SU")
    assert len(offsets_disagree("America/Chicago", 2027, body=wrong)) >= 7 * 24
