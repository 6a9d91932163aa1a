"""The occurrence rows the lists and the month grid read (``event_occurrences``) follow
every change to an event's dates or status: forms, moderation, merges, imports, and the
migration that created the table."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from htpm_events.events.models import Event, EventOccurrence
from htpm_events.events.services import form_data
from htpm_events.extensions import db
from htpm_events.moderation import services as moderation
from htpm_events.submissions import services as submissions

from .conftest import YEAR

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def days(event_id: int) -> list[tuple[int, int]]:
    """(month, day) of every row of the event, in order."""
    db.session.expire_all()
    found = db.session.scalars(
        sa.select(EventOccurrence.day)
        .where(EventOccurrence.event_id == event_id)
        .order_by(EventOccurrence.day)
    )
    return [(d.month, d.day) for d in found]


def test_an_approved_event_has_one_row_per_day_it_covers(make_event):
    one_day = make_event(start_date=date(YEAR, 1, 6), end_date=date(YEAR, 1, 6))
    exhibit = make_event(
        title="Exhibit", all_day=True, start_date=date(YEAR, 1, 7), end_date=date(YEAR, 1, 10)
    )
    late = make_event(  # 23:00 to 00:30: also covers the next day
        start_date=date(YEAR, 1, 8), start_time=time(23), end_date=date(YEAR, 1, 9),
        end_time=time(0, 30),
    )  # fmt: skip
    series = make_event(recurrence="weekly", recurrence_count=3, start_date=date(YEAR, 1, 6))

    assert days(one_day.id) == [(1, 6)]
    assert days(exhibit.id) == [(1, 7), (1, 8), (1, 9), (1, 10)]
    assert days(late.id) == [(1, 8), (1, 9)]
    assert days(series.id) == [(1, 6), (1, 13), (1, 20)]


def test_pending_and_on_demand_events_have_none(make_event):
    pending = make_event(status="pending")
    on_demand = make_event(format="on-demand", start_time=None, end_time=None)
    assert days(pending.id) == [] and days(on_demand.id) == []


def test_approval_edit_cancellation_and_merge_keep_the_rows(make_event, make_user, client):
    moderator = make_user()
    vigil = make_event(
        status="pending", title="Candle Vigil", start_date=date(YEAR, 1, 11),
        end_date=date(YEAR, 1, 11),
    )  # fmt: skip
    query = f"from={YEAR}-01-01&to={YEAR}-01-31"
    assert days(vigil.id) == []
    assert "Candle Vigil" not in client.get(f"/events?{query}").get_data(as_text=True)

    moderation.decide(vigil, moderator, "approve")
    db.session.commit()
    assert days(vigil.id) == [(1, 11)]
    assert "Candle Vigil" in client.get(f"/events?{query}").get_data(as_text=True)

    data = {**form_data(vigil), "start_date": date(YEAR, 1, 14), "end_date": date(YEAR, 1, 15)}
    moderation.edit_event(vigil, moderator, data)
    db.session.commit()
    assert days(vigil.id) == [(1, 14), (1, 15)]
    day_14 = client.get(f"/events?from={YEAR}-01-14&to={YEAR}-01-14").get_data(as_text=True)
    assert "Candle Vigil" in day_14
    day_11 = client.get(f"/events?from={YEAR}-01-11&to={YEAR}-01-11").get_data(as_text=True)
    assert "Candle Vigil" not in day_11

    moderation.cancel_event(vigil, moderator, "Weather")
    db.session.commit()
    rows = db.session.scalars(
        sa.select(EventOccurrence).where(EventOccurrence.event_id == vigil.id)
    )
    assert {row.listed_until for row in rows} == {vigil.series_ends_at}
    assert "Cancelled" in client.get(f"/events?{query}").get_data(as_text=True)

    original = make_event(title="Walk", start_date=date(YEAR, 1, 20), end_date=date(YEAR, 1, 20))
    duplicate = make_event(
        title="Walk again", start_date=date(YEAR, 1, 20), end_date=date(YEAR, 1, 20),
        registration_url="https://example.org/other",
    )  # fmt: skip
    assert days(duplicate.id) == [(1, 20)]
    moderation.merge(duplicate, original, moderator)
    db.session.commit()
    assert days(duplicate.id) == [] and days(original.id) == [(1, 20)]


def test_a_submitters_edit_of_a_pending_event_changes_nothing_public(make_event):
    event = make_event(status="pending", start_date=date(YEAR, 1, 6), end_date=date(YEAR, 1, 6))
    data = {**form_data(event), "start_date": date(YEAR, 1, 8), "end_date": date(YEAR, 1, 8)}
    submissions.edit_event(event, data, None, False)
    db.session.commit()
    assert days(event.id) == []


SERIES = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//T//EN\r
BEGIN:VEVENT\r
UID:s1\r
SUMMARY:Weekly Circle\r
DTSTART;TZID=America/Chicago:{year}0105T180000\r
DTEND;TZID=America/Chicago:{year}0105T190000\r
RRULE:FREQ=WEEKLY;COUNT={count}\r
EXDATE;TZID=America/Chicago:{year}0112T180000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:s1\r
SUMMARY:Weekly Circle (moved)\r
RECURRENCE-ID;TZID=America/Chicago:{year}0119T180000\r
DTSTART;TZID=America/Chicago:{year}0120T180000\r
DTEND;TZID=America/Chicago:{year}0120T190000\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_imported_series_with_exdate_and_an_override(runner, tmp_path, client):
    """2031-01-05 is a Sunday: the 12th is excluded, the 19th moved to Monday the 20th."""
    path = tmp_path / "series.ics"
    path.write_text(SERIES.format(year=YEAR, count=4), newline="")
    args = ["imports", "file", str(path), "--organization", "O", "--trusted"]
    assert runner.invoke(args=args).exit_code == 0
    series = db.session.scalar(sa.select(Event).where(Event.title == "Weekly Circle"))
    moved = db.session.scalar(sa.select(Event).where(Event.title == "Weekly Circle (moved)"))
    assert days(series.id) == [(1, 5), (1, 26)]
    assert days(moved.id) == [(1, 20)]
    month = client.get(f"/calendar/{YEAR}/1").get_data(as_text=True)
    assert month.count("Weekly Circle") == 3

    path.write_text(SERIES.format(year=YEAR, count=6), newline="")  # two more Sundays
    assert runner.invoke(args=args).exit_code == 0
    assert days(series.id) == [(1, 5), (1, 26), (2, 2), (2, 9)]


def test_the_migration_fills_the_table_from_the_events(make_event, app):
    series = make_event(recurrence="weekly", recurrence_count=2, start_date=date(YEAR, 1, 6))
    exhibit = make_event(all_day=True, start_date=date(YEAR, 1, 7), end_date=date(YEAR, 1, 8))
    make_event(status="pending")
    ids = series.id, exhibit.id
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0011")
    upgrade(directory=MIGRATIONS)
    assert days(ids[0]) == [(1, 6), (1, 13)]
    assert days(ids[1]) == [(1, 7), (1, 8)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventOccurrence)) == 4


def test_a_busy_day_shows_a_few_and_links_to_the_rest(make_event, client):
    for hour in range(8, 18):
        make_event(
            title=f"Busy {hour}", start_date=date(YEAR, 1, 22), end_date=date(YEAR, 1, 22),
            start_time=time(hour), end_time=time(hour, 45),
        )  # fmt: skip
    body = client.get(f"/calendar/{YEAR}/1").get_data(as_text=True)
    assert body.count('class="grid-title">Busy') == 6
    assert "Busy 8" in body and "Busy 13" in body and "Busy 14" not in body
    assert "4 more" in body
    assert f'href="/events?from={YEAR}-01-22&amp;to={YEAR}-01-22">4 more' in body
    day = client.get(f"/events?from={YEAR}-01-22&to={YEAR}-01-22").get_data(as_text=True)
    assert all(f"Busy {hour}" in day for hour in range(8, 18))


UNBOUNDED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//T//EN\r
BEGIN:VEVENT\r
UID:monthly-1\r
SUMMARY:Monthly Survivor Circle\r
DTSTART;TZID=America/Chicago:{year}0105T180000\r
DTEND;TZID=America/Chicago:{year}0105T190000\r
RRULE:FREQ=MONTHLY\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_imported_series_without_an_end_stays_listed_as_time_passes(
    runner, tmp_path, client, monkeypatch
):
    """Its rows reach two years past the day it was saved; the daily job carries them on,
    so the month grid keeps showing it three years later."""
    from htpm_events import pagecache
    from htpm_events.background import load_jobs, run_scheduled
    from htpm_events.events import jobs, occurrences
    from htpm_events.timeutil import now_utc

    path = tmp_path / "monthly.ics"
    path.write_text(UNBOUNDED.format(year=YEAR - 4), newline="")
    args = ["imports", "file", str(path), "--organization", "O", "--trusted"]
    assert runner.invoke(args=args).exit_code == 0
    series = db.session.scalar(sa.select(Event).where(Event.title == "Monthly Survivor Circle"))
    last = max(days_of(series.id))
    assert now_utc().date() + occurrences.HORIZON - timedelta(days=32) < last
    later_month = last + timedelta(days=200)
    grid = f"/calendar/{later_month.year}/{later_month.month}"
    assert "Monthly Survivor Circle" not in client.get(grid).get_data(as_text=True)

    # A year later, the daily job writes the rows up to two years from then.
    a_year_on = now_utc() + timedelta(days=365)
    for module in (occurrences, jobs, pagecache):
        monkeypatch.setattr(module, "now_utc", lambda: a_year_on)
    assert run_scheduled(load_jobs()["occurrences.extend"], force=True) == "1 series extended"
    assert max(days_of(series.id)) > last + timedelta(days=330)
    assert "Monthly Survivor Circle" in client.get(grid).get_data(as_text=True)
    # Nothing to do the next day.
    assert run_scheduled(load_jobs()["occurrences.extend"], force=True) == "0 series extended"


def days_of(event_id: int) -> list[date]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(EventOccurrence.day).where(EventOccurrence.event_id == event_id)
        )
    )
