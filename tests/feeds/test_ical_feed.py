"""What a subscriber's calendar gets from /feeds/events.ics (SPEC §5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import icalendar

from htpm_events.events.services import apply_data, cancel, publish
from htpm_events.extensions import db
from htpm_events.feeds import cache
from htpm_events.feeds.ical import calendar, to_bytes

from ..builders import event_data
from .parsers import (
    all_parsers,
    ical_strict,
    icalendar_parse,
    icaljs,
    lines,
    property_texts,
    recurring,
    unfolded,
    vobject_parse,
)


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar_parse(body).walk("VEVENT")}


def prop_lines(body: bytes, name: str) -> list[str]:
    return [line for line in unfolded(body) if re.match(rf"{name}[;:]", line)]


def test_calendar_carries_the_properties_every_client_needs(january_event, feed):
    january_event()
    body = feed()
    text = unfolded(body)
    for expected in (
        "VERSION:2.0",
        "PRODID:-//HTPM Events Hub//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "NAME:HTPM events",
        "X-WR-CALNAME:HTPM events",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert expected in text
    assert text[0] == "BEGIN:VCALENDAR" and text[-1] == "END:VCALENDAR"
    assert any(line.startswith("X-WR-CALDESC:") for line in text)


def test_filtered_feed_is_named_after_its_filter_with_text_escaped(january_event, feed):
    january_event(level="federal", state="CA")
    body = feed("state=CA&level=federal")
    assert "X-WR-CALNAME:HTPM events — federal\\, CA" in unfolded(body)
    # X-WR-CALNAME is TEXT (RFC 5545 §3.8.8.2, x-props default to TEXT), NAME too (RFC 7986):
    # parsed as text they give the name back (icalendar and ical.js keep both raw).
    cal, _ = vobject_parse(body)
    assert cal.x_wr_calname.value == "HTPM events — federal, CA"
    assert cal.contents["name"][0].value == "HTPM events — federal, CA"


def test_lines_end_in_crlf_and_are_folded_at_75_octets(january_event, feed):
    long_text = "Überblick: Menschenhandel erkennen — trauma-informed care; “quotes”, \\ and " * 8
    january_event(title="A" + "Ä" * 60 + "—" * 40, description=long_text)
    body = feed()
    assert b"\n" not in body.replace(b"\r\n", b"") and b"\r" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in lines(body)) <= 75
    for line in lines(body):
        line.decode()  # no fold splits a UTF-8 character
    assert any(line.startswith(b" ") for line in lines(body))  # long lines were folded
    # Our faster folding is byte-identical to icalendar's own serialization.
    cal = icalendar_parse(body)
    assert to_bytes(cal) == cal.to_ical() == body


def test_event_properties(january_event, feed, app):
    event = january_event(
        title="Recognizing Labor Trafficking",
        description="A webinar for **social workers**.\n\n- screening\n- referral",
        cost="$10",
    )
    # Last changed long ago: DTSTAMP and LAST-MODIFIED say so (never "now").
    event.created = datetime(2025, 11, 3, 8, 0, 5, tzinfo=UTC)
    event.updated = datetime(2025, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)
    db.session.commit()
    item = vevents(feed())[event.uid]
    base = app.config["HTPM_BASE_URL"]
    page = f"{base}/events/{event.id}/recognizing-labor-trafficking"
    assert item.decoded("DTSTART") == datetime(
        event.start_date.year, 1, 14, 10, 0, tzinfo=item.decoded("DTSTART").tzinfo
    )
    assert item["DTSTART"].params["TZID"] == "America/New_York"
    assert item["DTEND"].params["TZID"] == "America/New_York"
    assert item.decoded("DTEND").time() == time(11, 0)
    assert "DTSTAMP:20251201T093015Z" in unfolded(feed())
    assert item.decoded("LAST-MODIFIED") == datetime(2025, 12, 1, 9, 30, 15, tzinfo=UTC)
    assert item.decoded("CREATED") == datetime(2025, 11, 3, 8, 0, 5, tzinfo=UTC)
    assert item["SEQUENCE"] == 0
    assert str(item["SUMMARY"]) == "Recognizing Labor Trafficking"
    assert str(item["STATUS"]) == "CONFIRMED"
    assert str(item["URL"]) == page
    assert str(item["LOCATION"]) == "Online"
    assert item["CATEGORIES"].cats == ["State", "Virtual", "Webinar", "Labor exploitation"]
    assert str(item["CONFERENCE"]) == "https://example.org/join/labor"
    assert item["CONFERENCE"].params["FEATURE"] == "VIDEO"
    text = str(item["DESCRIPTION"])
    assert text.startswith("A webinar for social workers.\n\nscreening\n")
    assert "referral\n\nHosted by: Kentucky Coalition Against Trafficking\n" in text
    assert "**" not in text and "<" not in text
    assert "Cost: $10" in text and "Join online: https://example.org/join/labor" in text
    assert text.endswith(f"Register: {base}/events/{event.id}/register\nEvent page: {page}")


def test_in_person_location_and_no_registration(january_event, feed, app):
    event = january_event(
        format="in-person",
        venue_name="CDSS Office Building 8",
        address="744 P Street",
        city="Sacramento",
        state="CA",
        postal_code="95814",
        timezone="America/Los_Angeles",
        online_url="",
        registration_mode="none",
        registration_url="",
    )
    item = vevents(feed())[event.uid]
    assert str(item["LOCATION"]) == "CDSS Office Building 8, 744 P Street, Sacramento, CA 95814"
    assert "CONFERENCE" not in item
    assert "Register:" not in str(item["DESCRIPTION"])
    assert str(item["DESCRIPTION"]).endswith(
        f"Event page: {app.config['HTPM_BASE_URL']}/events/{event.id}/recognizing-labor-trafficking"
    )


def test_commas_semicolons_backslashes_and_newlines_survive_every_parser(january_event, feed):
    title = 'Panel, Q&A; "Survivors\\Allies" — part 1'
    description = "Line one, with comma; and semicolon.\n\nLine two \\ backslash."
    event = january_event(title=title, description=description, city="Boise, ID; west")
    body = feed()
    assert 'SUMMARY:Panel\\, Q&A\\; "Survivors\\\\Allies" — part 1' in unfolded(body)
    expected_start = "Line one, with comma; and semicolon.\n\nLine two \\ backslash."

    assert str(vevents(body)[event.uid]["SUMMARY"]) == title
    strict = next(e for e in ical_strict(body).events if e.uid == event.uid)
    assert strict.summary == title and strict.description.startswith(expected_start)
    _, parsed = vobject_parse(body)
    vo = next(e for e in parsed if e.uid.value == event.uid)
    assert vo.summary.value == title and vo.description.value.startswith(expected_start)
    js = next(e for e in icaljs(body)["events"] if e["uid"] == event.uid)
    assert js["summary"] == title and js["description"].startswith(expected_start)


def test_all_day_multi_day_event_has_dates_and_an_exclusive_end(january_event, feed, jan):
    event = january_event(
        day=7,
        title="A Reclamation Art Gallery",
        event_type="exhibit",
        all_day=True,
        start_time=None,
        end_time=None,
        end_date=jan(31),
    )
    body = feed()
    y = jan(1).year
    assert f"DTSTART;VALUE=DATE:{y}0107" in prop_lines(body, "DTSTART")
    assert f"DTEND;VALUE=DATE:{y}0201" in prop_lines(body, "DTEND")
    item = vevents(body)[event.uid]
    assert item.decoded("DTSTART") == jan(7) and item.decoded("DTEND") == jan(31) + timedelta(1)
    js = next(e for e in icaljs(body)["events"] if e["uid"] == event.uid)
    assert (js["start"], js["end"]) == (jan(7).isoformat(), f"{y}-02-01")


def test_weekly_event_in_january_has_an_rrule_every_parser_expands(january_event, feed, jan):
    event = january_event(
        day=2, recurrence="weekly", recurrence_until=jan(30), timezone="America/Denver"
    )
    body = feed()
    (rule,) = [line for line in prop_lines(body, "RRULE") if "WEEKLY" in line]
    # UNTIL is UTC because DTSTART has a TZID (RFC 5545 §3.3.10): the last start, 10:00 MST.
    assert rule == f"RRULE:FREQ=WEEKLY;UNTIL={jan(30):%Y%m%d}T170000Z"
    found = [
        o for o in recurring(body, jan(1), jan(31) + timedelta(1)) if str(o["UID"]) == event.uid
    ]
    assert [o["DTSTART"].dt.day for o in found] == [2, 9, 16, 23, 30]


def test_weekly_event_keeps_its_local_time_across_the_march_change(january_event, feed, jan):
    start = jan(1).replace(month=2, day=25)
    event = january_event(
        start_date=start,
        end_date=start,
        timezone="America/Chicago",
        recurrence="weekly",
        recurrence_count=4,
    )
    window = (start, start + timedelta(days=30))
    expected = {(event.uid, f"{start + timedelta(weeks=n)}T10:00:00") for n in range(4)}
    for parser, found in all_parsers(feed(), *window).items():
        assert {f for f in found if f[0] == event.uid} == expected, parser
    utc = [o["utc"] for o in icaljs(feed(), *window)["occurrences"] if o["uid"] == event.uid]
    # CST (UTC-6) before the second Sunday of March, CDT (UTC-5) after it.
    assert {u[11:16] for u in utc} == {"16:00", "15:00"}


def test_cancelled_event_stays_with_status_cancelled_and_a_summary_prefix(january_event, feed, app):
    event = january_event(title="Community Vigil")
    cancel(event)
    db.session.commit()
    item = vevents(feed())[event.uid]
    assert str(item["STATUS"]) == "CANCELLED"
    assert str(item["SUMMARY"]) == "Cancelled: Community Vigil"
    assert item["SEQUENCE"] == 1
    assert str(item["DESCRIPTION"]).startswith("This event has been cancelled.")


def test_cancelled_event_leaves_the_feed_60_days_after_cancellation(january_event, feed):
    recent = january_event(title="Cancelled last month")
    old = january_event(title="Cancelled long ago")
    cancel(recent)
    cancel(old)
    old.cancelled_at = datetime.now(UTC) - timedelta(days=61)
    db.session.commit()
    found = vevents(feed())
    assert recent.uid in found and old.uid not in found


def test_uid_is_stable_and_sequence_rises_after_a_published_edit(january_event, feed):
    event = january_event(title="Before")
    first = vevents(feed())[event.uid]
    apply_data(event, event_data(title="After", start_date=event.start_date, start_time=time(13)))
    publish(event, bump_sequence=True)
    db.session.commit()
    item = vevents(feed())[event.uid]
    assert str(item["SUMMARY"]) == "After" and item["SEQUENCE"] == 1
    assert item.decoded("DTSTART").time() == time(13)
    db.session.refresh(event)
    assert item.decoded("DTSTAMP") == event.updated.replace(microsecond=0)
    assert item.decoded("DTSTAMP") >= first.decoded("DTSTAMP")
    assert str(item["UID"]) == str(first["UID"]) == event.uid


def test_feed_is_byte_identical_for_identical_data(january_event, feed, app):
    january_event(day=12)
    january_event(day=20, timezone="America/Los_Angeles", recurrence="daily", recurrence_count=3)
    first = feed()
    cache.forget_memory()
    db.session.execute(db.delete(cache.FeedCache))
    db.session.commit()
    assert feed() == first  # rebuilt from scratch: the same bytes
    assert b"DTSTAMP:" in first


def test_only_public_dated_events_are_in_feeds(january_event, feed):
    shown = january_event(title="Approved")
    hidden = [
        january_event(title=f"Status {status}", status=status)
        for status in ("pending", "rejected", "changes-requested")
    ]
    on_demand = january_event(
        title="On demand course", format="on-demand", start_time=None, end_time=None
    )
    found = vevents(feed())
    assert shown.uid in found
    assert not {e.uid for e in hidden} & set(found)
    assert on_demand.uid not in found


def test_contact_details_never_appear(january_event, feed):
    # A long address in a long line: raw bytes could hold it split by 75-octet folding.
    address = "dana.private-" + "x" * 60 + "@example.org"
    event = january_event(contact_name="Dana Private", contact_email=address,
                          description="A long description line " * 8)  # fmt: skip
    for body in (feed(), feed(f"q={event.title.split()[0]}")):
        texts = property_texts(body)
        assert event.title in texts and event.uid in texts  # the event is there
        leaks = [t for t in texts if "dana.private" in t.lower() or "dana private" in t.lower()]
        assert leaks == []


def test_hub_registration_keeps_the_join_link_for_attendees(january_event, feed, app):
    from htpm_events.feeds.ical import event_ics

    event = january_event(
        registration_mode="hub", registration_url="", capacity=50, online_url="https://x.test/j"
    )
    body = feed()
    assert b"x.test/j" not in body and b"Register: " in body
    attachment = event_ics(event, for_attendee=True)
    assert b"CONFERENCE;FEATURE=VIDEO;LABEL=Join online;VALUE=URI:https://x.test/j" in attachment
    assert b"X-WR-CALNAME" not in attachment  # a file to add, not a calendar to subscribe to


def test_every_tzid_has_its_vtimezone(january_event, feed):
    for tz in ("America/New_York", "America/Chicago", "Pacific/Guam", "UTC"):
        january_event(timezone=tz)
    body = feed()
    cal = icalendar_parse(body)
    tzids = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    used = {p.split("TZID=")[1].split(":")[0] for p in unfolded(body) if "TZID=" in p}
    assert used == tzids == {"America/New_York", "America/Chicago", "Pacific/Guam"}
    assert b"RDATE" not in body
    assert "DTSTART:" + f"{calendar_year(cal)}0114T100000Z" in unfolded(body)  # UTC: no TZID


def calendar_year(cal) -> int:
    return min(e.decoded("DTSTART").year for e in cal.walk("VEVENT"))


def test_calendar_builder_accepts_no_events(app):
    body = to_bytes(calendar([], name="HTPM events"))
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and b"VEVENT" not in body
    assert ical_strict(body).events == []
