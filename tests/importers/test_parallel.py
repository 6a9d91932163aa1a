"""A large import checks its rows in worker processes (importers/parallel.py) while it
writes them: the events, their tags, occurrences and search index are the same as when one
process does everything, and a bad row anywhere still saves nothing."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from htpm_events.events.models import Event, EventOccurrence, EventTag
from htpm_events.extensions import db
from htpm_events.importers import parallel

SAMPLE = "htpm_events/data/htpm-2026-sample.csv"
#: What differs between two imports of the same rows: ids, keys and clocks.
OWN = {"id", "uid", "import_source_id", "created", "updated", "published", "manage_token_hash"}


@pytest.fixture(autouse=True)
def pools(monkeypatch) -> list[str]:
    """Workers from the 13th row on, seven rows a chunk: a small file takes the same path
    as a large one. Lists how each pool of workers was started."""
    monkeypatch.setattr(parallel, "SERIAL_ITEMS", 12)
    monkeypatch.setattr(parallel, "CHUNK", 7)
    started = []
    real = parallel._pool

    def pool(app, workers):
        executor = real(app, workers)
        started.append(f"{workers} {executor._mp_context.get_start_method()}")
        return executor

    monkeypatch.setattr(parallel, "_pool", pool)
    return started


def rows(count: int) -> list[dict]:
    """``count`` rows of every kind: the six real sample events under other titles and
    dates, some of them weekly series, all-day, several days or in Spanish."""
    with open(SAMPLE, newline="", encoding="utf-8") as stream:
        sample = list(csv.DictReader(stream))
    out = []
    for i in range(count):
        row = dict(sample[i % len(sample)])
        row["title"] = f"{row['title'][:150]} ({i})"
        day = date(2027, 1, 1) + timedelta(days=i % 31)
        start, end = row["start_date"], row["end_date"] or row["start_date"]
        span = date.fromisoformat(end) - date.fromisoformat(start)
        row["start_date"] = day.isoformat()
        row["end_date"] = (day + span).isoformat() if row["end_date"] else ""
        row["description"] = f"**Session {i}** on [the hub](https://example.org/{i}).\n\n- a\n- b"
        if i % 5 == 1 and row["start_time"] and row["format"] != "on-demand" and not span:
            row["recurrence"], row["recurrence_until"] = "weekly", ""
            row["recurrence_count"] = "3"
        if i % 7 == 3:
            row["languages"] = "es"
        out.append(row)
    return out


def write(path, records: list[dict]) -> str:
    columns = list(dict.fromkeys(k for r in records for k in r))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(records)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return str(path)


def stored(source_id: int) -> list[tuple]:
    """A source's events as the public and moderators see them: columns, tags, days."""
    db.session.expire_all()
    events = db.session.scalars(
        sa.select(Event).where(Event.import_source_id == source_id).order_by(Event.external_uid)
    ).all()
    out = []
    for event in events:
        columns = {c.key: getattr(event, c.key) for c in Event.__table__.columns}
        tags = db.session.execute(
            sa.select(EventTag.kind, EventTag.value, EventTag.position)
            .where(EventTag.event_id == event.id)
            .order_by(EventTag.kind, EventTag.position)
        ).all()
        days = db.session.execute(
            sa.select(EventOccurrence.day, EventOccurrence.starts_at)
            .where(EventOccurrence.event_id == event.id)
            .order_by(EventOccurrence.day)
        ).all()
        others = {k: v for k, v in columns.items() if k not in OWN}
        out.append((others, event.organization.name, tags, days))
    return out


def start_method() -> str:
    """Forked from a process without other threads (earlier tests may have left some)."""
    return "fork" if threading.active_count() == 1 else "forkserver"


def source_ids() -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Event.import_source_id).distinct().order_by(Event.import_source_id)
        )
    )


def test_workers_import_what_one_process_imports(make_app, tmp_path, pools):
    records = rows(60)
    for workers, name in (("0", "one"), ("2", "many")):
        app = make_app(HTPM_IMPORT_WORKERS=workers)
        with app.app_context():
            args = ["imports", "file", write(tmp_path / f"{name}.csv", records)]
            result = app.test_cli_runner().invoke(args=args)
            assert result.exit_code == 0, result.output
            assert "60 created" in result.output
    assert pools == [f"2 {start_method()}"]
    with app.app_context():
        one, many = (stored(s) for s in source_ids())
        assert len(one) == 60
        assert many == one


def test_workers_publish_with_occurrences_and_search(make_app, tmp_path):
    app = make_app(HTPM_IMPORT_WORKERS="2")
    with app.app_context():
        records = rows(40)
        records[33]["title"] = "Quetzalcoatl outreach night"
        path = write(tmp_path / "events.csv", records)
        result = app.test_cli_runner().invoke(args=["imports", "file", path, "--trusted"])
        assert result.exit_code == 0, result.output
        series = db.session.scalar(
            sa.select(Event).where(Event.title == records[36]["title"])
        )  # row 36: the 6th sample event as a weekly series of three
        assert series.status == "approved"
        page = app.test_client().get("/events?q=quetzalcoatl&from=2027-01-01&to=2027-12-31")
        assert b"Quetzalcoatl outreach night" in page.data
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EventOccurrence)) >= 40


def lines(path: str) -> list[int]:
    """The line each row ends on (descriptions span several lines)."""
    with open(path, newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        return [reader.line_num for _ in reader]


def test_workers_report_every_bad_row_and_save_nothing(make_app, tmp_path):
    app = make_app(HTPM_IMPORT_WORKERS="2")
    with app.app_context():
        records = rows(50)
        records[2]["level"] = "galactic"  # checked in this process
        records[45]["start_date"] = "2027-02-30"  # in a worker
        records[48] = dict(records[20])  # the same event as row 21
        path = write(tmp_path / "events.csv", records)
        at = lines(path)
        result = app.test_cli_runner().invoke(args=["imports", "file", path, "--trusted"])
        assert result.exit_code != 0
        assert f"line {at[2]}, column level" in result.output
        assert f"line {at[45]}, column start_date" in result.output
        assert f"line {at[48]}: The same event as line {at[20]}." in result.output
        assert "3 error(s); nothing was imported." in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EventTag)) == 0


def test_a_process_with_threads_starts_its_workers_apart(make_app, tmp_path, pools):
    """A web server or `flask worker` has threads: its workers come from a fork server."""
    app = make_app(HTPM_IMPORT_WORKERS="2")
    path = write(tmp_path / "events.csv", rows(30))
    outcome = {}

    def run():
        with app.app_context():
            outcome["result"] = app.test_cli_runner().invoke(args=["imports", "file", path])

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert outcome["result"].exit_code == 0, outcome["result"].output
    assert "30 created" in outcome["result"].output
    assert pools == ["2 forkserver"]


def vevents(count: int) -> list[str]:
    """``count`` VEVENTs, every tenth a weekly series with a moved and a cancelled
    occurrence (overrides that come later in the file), the rest one-off events."""
    out = []
    for i in range(count):
        day = date(2027, 1, 1) + timedelta(days=i % 31)
        lines = [
            "BEGIN:VEVENT", f"UID:e{i}@example.org", f"SUMMARY:Outreach evening number {i}",
            f"DTSTART;TZID=America/Chicago:{day:%Y%m%d}T180000",
            f"DTEND;TZID=America/Chicago:{day:%Y%m%d}T193000",
            f"DESCRIPTION:<p>Evening <b>{i}</b>\\, see https://example.org/{i}</p>",
        ]  # fmt: skip
        if i % 10 == 0:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=4")
        out.append("\r\n".join([*lines, "END:VEVENT"]))
    for i in range(0, count, 10):
        day = date(2027, 1, 1) + timedelta(days=i % 31 + 7)
        out.append(
            "\r\n".join([
                "BEGIN:VEVENT", f"UID:e{i}@example.org", f"RECURRENCE-ID;TZID=America/Chicago:"
                f"{day:%Y%m%d}T180000", f"SUMMARY:Outreach evening number {i} (moved)",
                f"DTSTART;TZID=America/Chicago:{day:%Y%m%d}T200000",
                f"DTEND;TZID=America/Chicago:{day:%Y%m%d}T210000", "END:VEVENT",
            ])
        )  # fmt: skip
    return out


def ics(events: list[str]) -> str:
    return "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//T//EN", *events, "END:VCALENDAR", ""]
    )


def test_workers_import_a_calendar_as_one_process_does(make_app, tmp_path, pools):
    text = ics(vevents(50))
    for workers, name in (("0", "one"), ("2", "many")):
        app = make_app(HTPM_IMPORT_WORKERS=workers)
        with app.app_context():
            path = tmp_path / f"{name}.ics"
            path.write_text(text, encoding="utf-8")
            args = ["imports", "file", str(path), "--organization", "Task Force"]
            result = app.test_cli_runner().invoke(args=args)
            assert result.exit_code == 0, result.output
            assert "55 created" in result.output  # 50 events and 5 moved occurrences
    assert pools == [f"2 {start_method()}"]
    with app.app_context():
        one, many = (stored(s) for s in source_ids())
        assert many == one
        series = db.session.scalar(sa.select(Event).where(Event.external_uid == "e20@example.org"))
        assert series.exdates == "20270128T180000"  # the moved occurrence's slot


def test_workers_find_the_first_broken_line_and_every_bad_event(make_app, tmp_path):
    app = make_app(HTPM_IMPORT_WORKERS="2")
    events = vevents(40)
    with app.app_context():
        broken = list(events)
        broken[30] = broken[30].replace("SUMMARY:", "SUMMARY;broken\r\nSUMMARY:")
        path = tmp_path / "broken.ics"
        path.write_text(ics(broken), encoding="utf-8")
        result = app.test_cli_runner().invoke(args=["imports", "file", str(path), "--trusted"])
        assert result.exit_code != 0
        line = ics(broken).split("\r\n").index("SUMMARY;broken") + 1
        assert f"line {line}: not an iCalendar content line: 'SUMMARY;broken'" in result.output
        assert "1 error(s); nothing was imported." in result.output

        unmappable = list(events)
        unmappable[3] = unmappable[3].replace("DTSTART;", "X-DTSTART;")  # checked here
        unmappable[33] = unmappable[33].replace("DTEND;TZID=America/Chicago:", "DTEND:2027")
        path.write_text(ics(unmappable), encoding="utf-8")
        result = app.test_cli_runner().invoke(args=["imports", "file", str(path), "--trusted"])
        assert result.exit_code != 0
        assert "UID e3@example.org 'Outreach evening number 3': it has no DTSTART" in result.output
        assert "UID e33@example.org" in result.output
        assert "2 error(s); nothing was imported." in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
