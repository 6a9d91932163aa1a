"""Times are entered as local wall-clock times and stored so that DST cannot shift them."""

from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.events.occurrences import occurrences
from htpm_events.extensions import db

from ..builders import default_day


def reload(event_id: int) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event_id)


def test_los_angeles_10am_is_18_utc_in_january_and_17_utc_in_july(make_event):
    january = make_event(
        timezone="America/Los_Angeles",
        start_date=date(2027, 1, 14),
        start_time=time(10),
        end_date=date(2027, 1, 14),
        end_time=time(11),
    )
    july = make_event(
        timezone="America/Los_Angeles",
        start_date=date(2027, 7, 14),
        start_time=time(10),
        end_date=date(2027, 7, 14),
        end_time=time(11),
    )

    january, july = reload(january.id), reload(july.id)
    assert january.starts_at == datetime(2027, 1, 14, 18, 0, tzinfo=UTC)
    assert july.starts_at == datetime(2027, 7, 14, 17, 0, tzinfo=UTC)
    # The local wall time is what was entered, whatever the offset.
    assert (january.start_time, july.start_time) == (time(10), time(10))
    assert january.timezone == "America/Los_Angeles"


def test_stored_instants_are_timezone_aware_utc(make_event):
    event = reload(make_event().id)
    assert event.starts_at.tzinfo is not None
    assert event.starts_at.utcoffset().total_seconds() == 0
    raw = db.session.execute(sa.select(Event.starts_at).where(Event.id == event.id)).scalar_one()
    day = default_day()  # 10:00 in New York, EST
    assert raw == datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)


def test_weekly_event_keeps_local_time_across_the_march_change(make_event):
    event = make_event(
        timezone="America/Chicago",
        start_date=date(2027, 2, 25),
        start_time=time(10),
        end_date=date(2027, 2, 25),
        end_time=time(11),
        recurrence="weekly",
        recurrence_count=4,
    )
    event = reload(event.id)
    sittings = occurrences(event)
    assert [o.start.strftime("%m-%d %H:%M") for o in sittings] == [
        "02-25 10:00",
        "03-04 10:00",
        "03-11 10:00",
        "03-18 10:00",
    ]
    utc_hours = [o.start.astimezone(UTC).hour for o in sittings]
    assert utc_hours == [16, 16, 16, 15]  # CST then CDT (the change is Mar 14 2027)
    assert event.rrule == "FREQ=WEEKLY;COUNT=4"
    assert event.series_ends_at == datetime(2027, 3, 18, 16, 0, tzinfo=UTC)


def test_weekly_until_is_utc_and_includes_the_last_day(make_event):
    event = make_event(
        timezone="America/New_York",
        start_date=date(2027, 1, 5),
        start_time=time(19),
        end_time=time(20),
        recurrence="weekly",
        recurrence_until=date(2027, 1, 26),
    )
    event = reload(event.id)
    assert event.rrule == "FREQ=WEEKLY;UNTIL=20270127T000000Z"
    assert len(occurrences(event)) == 4


def test_all_day_multi_day_event_is_one_event_with_exclusive_end(make_event):
    event = make_event(
        all_day=True,
        start_date=date(2027, 1, 7),
        end_date=date(2027, 1, 31),
        start_time=None,
        end_time=None,
        timezone="America/Los_Angeles",
    )
    event = reload(event.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 1
    (only,) = occurrences(event)
    assert only.start.date() == date(2027, 1, 7)
    assert only.end.date() == date(2027, 2, 1)  # exclusive, as iCal wants it
    assert only.last_date == date(2027, 1, 31)
    assert event.starts_at == datetime(2027, 1, 7, 8, 0, tzinfo=UTC)
