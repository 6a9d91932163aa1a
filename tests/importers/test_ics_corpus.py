"""The real-world .ics corpus (../shared/data/ics-corpus/, read in place): every file imports
or is refused as its MANIFEST row says, and the imported occurrences equal an independent
expansion of the same file by recurring-ical-events."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.events.occurrences import occurrences
from htpm_events.extensions import db

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ics-corpus"


def manifest() -> list[dict]:
    if not (CORPUS / "MANIFEST.tsv").exists():
        return []
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream, delimiter="\t"))


ROWS = manifest()
IMPORTS = [r for r in ROWS if r["expectation"] == "import"]
REFUSALS = [r for r in ROWS if r["expectation"] == "refuse"]


def test_the_corpus_is_there():
    assert len(ROWS) == 39, f"expected the 39-file corpus at {CORPUS}"


def event_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Event))


@pytest.mark.parametrize("row", REFUSALS, ids=[r["file"] for r in REFUSALS])
def test_refused_files_change_nothing_and_name_the_problem(runner, row):
    path = CORPUS / row["file"]
    result = runner.invoke(args=["imports", "file", str(path)])
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert "nothing was imported" in result.output
    if row["message_names"]:
        assert re.search(row["message_names"], result.output, re.I), result.output
    assert event_count() == 0


def file_zone(cal) -> str:
    value = cal.get("X-WR-TIMEZONE")
    if value:
        name = str(value)
        try:
            ZoneInfo(name)
            return name
        except Exception:
            pass
    return "America/New_York"


def key(start, tzname: str):
    """An occurrence's start as a date (all-day) or a UTC instant to the minute."""
    if isinstance(start, datetime):
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(tzname))
        # Subtracting the offset: dateutil's VTIMEZONE zones convert wrongly with astimezone.
        instant = start.replace(tzinfo=None) - start.utcoffset()
        return instant.replace(second=0, microsecond=0, tzinfo=UTC)
    return start


def independent(path: Path, since: datetime, until: datetime) -> list:
    # icalendar caches VTIMEZONEs by TZID for the whole process: two files that both define
    # "Customized Time Zone" differently would otherwise share the first one's rules.
    icalendar.use_zoneinfo()
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    tzname = file_zone(cal)
    found = []
    for component in recurring_ical_events.of(cal).between(since, until):
        if str(component.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start = component.decoded("DTSTART")
        found.append(key(start, tzname))
    return sorted(found, key=str)


def imported(since: datetime, until: datetime) -> list:
    found = []
    for event in db.session.scalars(sa.select(Event).where(Event.status != "cancelled")):
        for occ in occurrences(event, since, until):
            if event.all_day:
                found.append(occ.start.date())
            else:
                found.append(occ.start.astimezone(UTC))
    return sorted(found, key=str)


@pytest.mark.parametrize("row", IMPORTS, ids=[r["file"] for r in IMPORTS])
def test_imported_files_have_the_same_occurrences_as_an_independent_expansion(runner, row):
    path = CORPUS / row["file"]
    result = runner.invoke(args=["imports", "file", str(path), "--organization", "Corpus"])
    assert result.exit_code == 0, result.output
    assert event_count() > 0
    first = db.session.scalar(sa.select(sa.func.min(Event.starts_at)))
    since = (first - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    until = since + timedelta(days=400)
    mine = [v for v in imported(since, until) if in_range(v, since, until)]
    theirs = [v for v in independent(path, since, until) if in_range(v, since, until)]
    assert mine == theirs


def in_range(value, since: datetime, until: datetime) -> bool:
    """Starts well inside the window (both sides may differ on occurrences that merely
    overlap its edges)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return since.date() + timedelta(days=1) <= value < until.date() - timedelta(days=1)
    return since + timedelta(days=1) <= value < until - timedelta(days=1)


def test_reimporting_a_file_changes_nothing(runner):
    path = CORPUS / "google-machbar-64-events.ics"
    first = runner.invoke(args=["imports", "file", str(path), "--organization", "Corpus"])
    assert first.exit_code == 0, first.output
    before = {e.id: (e.sequence, e.updated) for e in db.session.scalars(sa.select(Event))}
    again = runner.invoke(args=["imports", "file", str(path), "--organization", "Corpus"])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated" in again.output
    db.session.expire_all()
    after = {e.id: (e.sequence, e.updated) for e in db.session.scalars(sa.select(Event))}
    assert after == before
