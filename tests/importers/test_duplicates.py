"""The same webinar from two sources: detected, shown to moderators, not published twice."""

from __future__ import annotations

import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.extensions import db
from htpm_events.moderation.duplicates import duplicates_of

FULL = "Trafficking and Crime Victims Assistance Program (TCVAP) Information Session"


def ics(uid: str, title: str, start: str = "20270113T130000", end: str = "20270113T140000"):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nSUMMARY:{title}\r\nDTSTART;TZID=America/Los_Angeles:{start}\r\n"
        f"DTEND;TZID=America/Los_Angeles:{end}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_a_shortened_title_from_another_source_is_held_as_a_duplicate(runner, tmp_path):
    federal, state = tmp_path / "federal.ics", tmp_path / "state.ics"
    federal.write_bytes(ics("fed-1", FULL))
    state.write_bytes(ics("ca-1", "TCVAP Information Session"))
    first = runner.invoke(
        args=["imports", "file", str(federal), "--organization", "HHS", "--trusted"]
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        args=["imports", "file", str(state), "--organization", "California DSS", "--trusted"]
    )
    assert "1 possible duplicate sent to the queue" in second.output, second.output
    events = {e.title: e for e in db.session.scalars(sa.select(Event))}
    assert events[FULL].status == "approved"
    short = events["TCVAP Information Session"]
    assert short.status == "pending" and short.published is None
    hints = duplicates_of(short)
    assert [h.event.title for h in hints] == [FULL]
    assert "shortened title" in hints[0].why


def test_different_sessions_of_a_series_are_not_duplicates(runner, tmp_path):
    one, two = tmp_path / "one.ics", tmp_path / "two.ics"
    one.write_bytes(ics("a", "TCVAP Information Session"))
    two.write_bytes(ics("b", "Labor Trafficking Roundtable", "20270113T130000", "20270113T140000"))
    runner.invoke(args=["imports", "file", str(one), "--organization", "A", "--trusted"])
    result = runner.invoke(args=["imports", "file", str(two), "--organization", "B", "--trusted"])
    assert "duplicate" not in result.output
    assert {e.status for e in db.session.scalars(sa.select(Event))} == {"approved"}
