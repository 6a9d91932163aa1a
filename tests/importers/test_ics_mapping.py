"""How a VEVENT becomes a §2 event (SPEC §6 mapping), and files imported twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.extensions import db
from htpm_events.importers.ics import read_calendar


def cal(*lines: str, head: str = "") -> bytes:
    body = "\r\n".join(lines)
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\n{head}{body}\r\nEND:VCALENDAR\r\n"
    ).encode()


def one(*lines: str, head: str = "", **defaults) -> dict:
    records, errors = read_calendar(
        cal("BEGIN:VEVENT", "UID:u1", *lines, "END:VEVENT", head=head), defaults
    )
    assert not errors, [str(e) for e in errors]
    assert len(records) == 1
    return records[0].data


def test_windows_zone_names_map_to_iana():
    for tzid, expected in (
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ('"Eastern Standard Time"', "America/New_York"),
    ):
        data = one("SUMMARY:x", f"DTSTART;TZID={tzid}:20270112T100000")
        assert data["timezone"] == expected
        assert data["start_time"] == time(10, 0)


def test_iana_alias_is_kept_and_utc_keeps_its_instant_in_the_calendar_zone():
    assert one("SUMMARY:x", "DTSTART;TZID=Europe/Kiev:20270112T100000")["timezone"] == (
        "Europe/Kiev"
    )
    data = one(
        "SUMMARY:x",
        "DTSTART:20270112T150000Z",
        "DTEND:20270112T160000Z",
        head="X-WR-TIMEZONE:America/Denver\r\n",
    )
    assert (data["timezone"], data["start_time"], data["end_time"]) == (
        "America/Denver", time(8, 0), time(9, 0),
    )  # fmt: skip


def test_floating_times_use_the_source_default_zone_then_new_york():
    assert (
        one("SUMMARY:x", "DTSTART:20270112T100000", timezone="America/Chicago")["timezone"]
        == "America/Chicago"
    )
    assert one("SUMMARY:x", "DTSTART:20270112T100000")["timezone"] == "America/New_York"


def test_all_day_multi_day_event_is_one_event_with_an_inclusive_end():
    data = one("SUMMARY:Exhibit", "DTSTART;VALUE=DATE:20270107", "DTEND;VALUE=DATE:20270201")
    assert data["all_day"] and data["start_date"] == date(2027, 1, 7)
    assert data["end_date"] == date(2027, 1, 31)


def test_html_description_becomes_markdown_without_tags():
    data = one(
        "SUMMARY:x",
        "DTSTART:20270112T100000",
        'DESCRIPTION:<p>Join <b>us</b> for the <a href="https://ex.org/info">walk</a>'
        "</p><script>alert(1)</script><ul><li>one</li><li>two</li></ul>",
    )
    text = data["description"]
    assert "**us**" in text and "[walk](https://ex.org/info)" in text
    assert "- one" in text and "<" not in text and "alert" not in text


def test_long_title_is_cut_with_the_full_text_on_top_of_the_description():
    title = "A " + "very " * 60 + "long title"
    data = one(f"SUMMARY:{title}", "DTSTART:20270112T100000", "DESCRIPTION:Details.")
    assert len(data["title"]) <= 200
    assert data["description"].startswith(title)
    assert data["description"].endswith("Details.")


def test_place_join_link_format_and_registration_link():
    hybrid = one(
        "SUMMARY:x",
        "DTSTART:20270112T100000",
        "LOCATION:City Hall\\, 1 Main St\\, Austin TX",
        "CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://zoom.us/j/123",
        "URL:https://ex.org/register",
    )
    assert (hybrid["venue_name"], hybrid["address"]) == ("City Hall", "1 Main St, Austin TX")
    assert hybrid["online_url"] == "https://zoom.us/j/123" and hybrid["format"] == "hybrid"
    assert hybrid["registration_url"] == "https://ex.org/register"
    assert hybrid["registration_mode"] == "external"

    virtual = one(
        "SUMMARY:x",
        "DTSTART:20270112T100000",
        "DESCRIPTION:Join at https://teams.microsoft.com/l/meetup/1 and sign up at "
        "https://ex.org/signup.",
    )
    assert virtual["format"] == "virtual"
    assert virtual["online_url"] == "https://teams.microsoft.com/l/meetup/1"
    assert virtual["registration_url"] == "https://ex.org/signup"

    geo = one("SUMMARY:x", "DTSTART:20270112T100000", "GEO:30.2672;-97.7431")
    assert geo["address"] == "30.2672, -97.7431" and geo["format"] == "in-person"


def test_organization_from_source_then_organizer_then_calendar_name():
    lines = ("SUMMARY:x", "DTSTART:20270112T100000", "ORGANIZER;CN=Ohio AG:mailto:ag@ohio.gov")
    head = "X-WR-CALNAME:Statewide calendar\r\n"
    assert one(*lines, head=head, organization="Given")["organization"] == "Given"
    assert one(*lines, head=head)["organization"] == "Ohio AG"
    assert one(*lines[:2], head=head)["organization"] == "Statewide calendar"
    # ORGANIZER is a contact, never the event's public contact e-mail.
    assert one(*lines)["contact_email"] == ""


def test_refusals_name_the_line_uid_and_title():
    _, errors = read_calendar(
        cal(
            "BEGIN:VEVENT", "UID:good", "SUMMARY:Fine", "DTSTART:20270112T100000", "END:VEVENT",
            "BEGIN:VEVENT", "UID:bad-1", "SUMMARY:Broken walk", "DTSTART:20270230T100000",
            "END:VEVENT",
            "BEGIN:VEVENT", "UID:bad-2", "SUMMARY:Backwards", "DTSTART:20270112T100000",
            "DTEND:20270112T090000", "END:VEVENT",
        )
    )  # fmt: skip
    messages = [str(e) for e in errors]
    assert messages[0].startswith("line 12") and "bad-1" in messages[0]
    assert "Broken walk" in messages[0] and "20270230T100000" in messages[0]
    assert "bad-2" in messages[1] and "ends before it starts" in messages[1]


def test_cancelled_event_is_skipped_when_new_and_cancels_a_published_one(runner, tmp_path):
    path = tmp_path / "cal.ics"
    event = ("BEGIN:VEVENT", "UID:c1", "SUMMARY:Vigil", "DTSTART:20270112T180000")
    path.write_bytes(cal(*event, "STATUS:CANCELLED", "END:VEVENT"))
    result = runner.invoke(args=["imports", "file", str(path), "--organization", "O"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0

    path.write_bytes(cal(*event, "END:VEVENT"))
    runner.invoke(args=["imports", "file", str(path), "--organization", "O", "--trusted"])
    path.write_bytes(cal(*event, "STATUS:CANCELLED", "END:VEVENT"))
    result = runner.invoke(args=["imports", "file", str(path), "--organization", "O"])
    assert "1 cancelled" in result.output, result.output
    vigil = db.session.scalar(sa.select(Event))
    db.session.refresh(vigil)
    assert vigil.status == "cancelled" and vigil.sequence == 1


def test_an_imported_series_keeps_its_exdate_and_override_in_the_feed(runner, tmp_path, client):
    path = tmp_path / "series.ics"
    path.write_bytes(
        cal(
            "BEGIN:VEVENT", "UID:s1", "SUMMARY:Weekly circle",
            "DTSTART;TZID=America/Chicago:20270105T180000",
            "DTEND;TZID=America/Chicago:20270105T190000",
            "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;TZID=America/Chicago:20270112T180000",
            "END:VEVENT",
            "BEGIN:VEVENT", "UID:s1", "SUMMARY:Weekly circle (moved)",
            "RECURRENCE-ID;TZID=America/Chicago:20270119T180000",
            "DTSTART;TZID=America/Chicago:20270120T180000",
            "DTEND;TZID=America/Chicago:20270120T190000", "END:VEVENT",
        )
    )  # fmt: skip
    result = runner.invoke(args=["imports", "file", str(path), "--organization", "O", "--trusted"])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    series = db.session.scalar(sa.select(Event).where(Event.title == "Weekly circle"))
    from htpm_events.events.occurrences import occurrences

    starts = [o.start.date().day for o in occurrences(series)]
    assert starts == [5, 26]  # the 12th excluded, the 19th moved to its own event
    body = client.get(f"/events/{series.id}.ics").get_data(as_text=True)
    assert "RRULE:FREQ=WEEKLY;COUNT=4" in body
    assert "EXDATE;TZID=America/Chicago:20270112T180000" in body
    assert "EXDATE;TZID=America/Chicago:20270119T180000" in body
    assert series.starts_at == datetime(2027, 1, 6, 0, 0, tzinfo=UTC)
    page = client.get(f"/events/{series.id}")
    assert page.status_code == 200
    assert "as its source calendar says" in page.get_data(as_text=True)
    assert client.get(f"/moderate/events/{series.id}").status_code in (302, 401, 403)


def test_progress_lines_when_not_on_a_terminal(runner, tmp_path, monkeypatch):
    from htpm_events import cli

    monkeypatch.setattr(cli.Progress, "EVERY", 2)
    path = tmp_path / "three.ics"
    path.write_bytes(
        cal(
            *(
                line
                for n in range(3)
                for line in ("BEGIN:VEVENT", f"UID:p{n}", f"SUMMARY:Walk {n}",
                             f"DTSTART:2027011{n}T100000", "END:VEVENT")
            )
        )
    )  # fmt: skip
    result = runner.invoke(args=["imports", "file", str(path), "--organization", "O"])
    assert result.exit_code == 0, result.output
    assert "  3 events checked" in result.output and "  2 events saved" in result.output
    assert result.output.rstrip().endswith(
        "3 created, 0 updated, 0 unchanged, 0 cancelled (source #1)."
    )


def test_an_imported_description_is_in_the_feed_as_plain_text_and_follows_the_source(
    runner, tmp_path, client
):
    path = tmp_path / "cal.ics"
    event = (
        "BEGIN:VEVENT", "UID:d1", "SUMMARY:Outreach walk",
        "DTSTART;TZID=America/Chicago:20270112T180000",
        "DTEND;TZID=America/Chicago:20270112T190000",
    )  # fmt: skip
    args = ["imports", "file", str(path), "--organization", "O", "--trusted"]
    path.write_bytes(cal(*event, "DESCRIPTION:<p>Bring <b>two</b> forms</p>", "END:VEVENT"))
    assert runner.invoke(args=args).exit_code == 0
    walk = db.session.scalar(sa.select(Event))
    assert walk.description == "Bring **two** forms"
    assert walk.description_text == "Bring two forms"  # stored with it, for the feeds
    feed = client.get("/feeds/events.ics?from=2027-01-01").get_data(as_text=True)
    assert "DESCRIPTION:Bring two forms\\n\\nHosted by: O\\n" in feed.replace("\r\n ", "")

    path.write_bytes(cal(*event, "DESCRIPTION:<p>Bring <i>one</i> form</p>", "END:VEVENT"))
    assert runner.invoke(args=args).exit_code == 0
    feed = client.get("/feeds/events.ics?from=2027-01-01").get_data(as_text=True)
    assert "DESCRIPTION:Bring one form\\n\\nHosted by: O\\n" in feed.replace("\r\n ", "")
    assert "two forms" not in feed
