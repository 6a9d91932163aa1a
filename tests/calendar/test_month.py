"""/calendar/<year>/<month>: a Sunday-first grid; each occurrence on every local day it
covers; key dates marked; filters carried to the neighbouring months."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from htpm_events.events.models import KeyDate
from htpm_events.extensions import db

from .conftest import YEAR
from .helpers import parse


def days_of(body) -> dict[str, list[str]]:
    """Each grid day (ISO date) -> the titles shown on it."""
    doc = parse(body)
    return {
        cell.get("data-date"): [s.text for s in cell.find_all("span", cls="grid-title")]
        for cell in doc.find("div", cls="month-grid").find_all("li", cls="day")
    }


def test_the_grid_runs_sunday_to_saturday_over_whole_weeks(client):
    body = client.get("/calendar/2027/1").data
    cells = list(days_of(body))
    assert cells[0] == "2026-12-27" and cells[-1] == "2027-02-06"  # Jan 1 2027 is a Friday
    assert len(cells) % 7 == 0
    names = [li.text for li in parse(body).find("ol", cls="weekdays").find_all("li")]
    assert names == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]


def test_a_multi_day_event_shows_on_each_day_even_across_the_month_end(client, make_event):
    make_event(title="Traveling exhibit", all_day=True, start_time=None, end_time=None,
               start_date=date(YEAR, 1, 29), end_date=date(YEAR, 2, 3))  # fmt: skip
    january = days_of(client.get(f"/calendar/{YEAR}/1").data)
    february = days_of(client.get(f"/calendar/{YEAR}/2").data)
    shown_in_jan = sorted(d for d, titles in january.items() if "Traveling exhibit" in titles)
    shown_in_feb = sorted(d for d, titles in february.items() if "Traveling exhibit" in titles)
    # January 2031's grid ends on Saturday Feb 1; February's begins on Sunday Jan 26.
    assert shown_in_jan == [f"{YEAR}-01-{d}" for d in (29, 30, 31)] + [f"{YEAR}-02-01"]
    assert shown_in_feb == [f"{YEAR}-01-{d}" for d in (29, 30, 31)] + [
        f"{YEAR}-02-0{d}" for d in (1, 2, 3)
    ]


def test_a_weekly_event_keeps_its_local_time_across_the_march_change(client, make_event):
    make_event(title="Weekly support circle", timezone="America/Chicago",
               start_date=date(2027, 3, 4), end_date=date(2027, 3, 4), start_time=time(10),
               end_time=time(11), recurrence="weekly", recurrence_count=4)  # fmt: skip
    doc = parse(client.get("/calendar/2027/3").data)
    placed = {}
    for cell in doc.find("div", cls="month-grid").find_all("li", cls="day"):
        for item in cell.find_all("li", cls="grid-event"):
            placed[cell.get("data-date")] = item.find("time").text
    # Clocks change on Sunday Mar 14 2027; the circle stays at 10 AM local.
    assert placed == {
        "2027-03-04": "10:00 AM CT",
        "2027-03-11": "10:00 AM CT",
        "2027-03-18": "10:00 AM CT",
        "2027-03-25": "10:00 AM CT",
    }
    offsets = [t.get("data-start")[-6:] for t in doc.find_all("time", cls="grid-time")]
    assert offsets == ["-06:00", "-06:00", "-05:00", "-05:00"]


def test_events_are_placed_on_their_local_date(client, make_event):
    # 11 PM Jan 14 in Honolulu is already Jan 15 in UTC and on the East Coast.
    make_event(title="Late vigil", timezone="Pacific/Honolulu", start_date=date(YEAR, 1, 14),
               end_date=date(YEAR, 1, 14), start_time=time(23), end_time=time(23, 30))  # fmt: skip
    days = days_of(client.get(f"/calendar/{YEAR}/1").data)
    assert days[f"{YEAR}-01-14"] == ["Late vigil"]
    assert days[f"{YEAR}-01-15"] == []


def test_key_dates_are_marked_and_a_new_year_gets_its_rows(client):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeyDate)) == 0
    doc = parse(client.get(f"/calendar/{YEAR}/1").data)
    cell = doc.find("li", cls="day", data_date=f"{YEAR}-01-11")
    assert "key-day" in cell.classes
    assert "National Human Trafficking Awareness Day" in cell.find("p", cls="key-date-mark").text
    weeks = [p.text for p in doc.find_all("p", cls="focus-week-mark")]
    assert "Focus week: Human Trafficking and Labor Exploitation" in weeks
    listed = doc.find("section", cls="month-key-dates").text
    assert "Jan 11: National Human Trafficking Awareness Day / #WearBlueDay" in listed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeyDate)) == 6
    # Other months show no January key dates.
    assert parse(client.get(f"/calendar/{YEAR}/3").data).find("p", cls="key-date-mark") is None


def test_today_is_highlighted(client):
    today = datetime.now(ZoneInfo("America/New_York")).date()
    doc = parse(client.get(f"/calendar/{today.year}/{today.month}").data)
    current = doc.find_all("li", cls="today")
    assert [c.get("data-date") for c in current] == [today.isoformat()]
    assert current[0].get("aria-current") == "date"


def test_neighbouring_months_keep_the_filters(client):
    doc = parse(client.get(f"/calendar/{YEAR}/1?level=federal&topic=awareness").data)
    nav = doc.find("nav", cls="month-nav")
    hrefs = [a.get("href") for a in nav.find_all("a")]
    assert hrefs == [
        f"/calendar/{YEAR - 1}/12?level=federal&topic=awareness",
        f"/calendar/{YEAR}/2?level=federal&topic=awareness",
    ]
    assert "December" in nav.text and "February" in nav.text


def test_filters_apply_to_the_grid(client, catalog):
    days = days_of(client.get(f"/calendar/{YEAR}/1?level=tribal&level=community").data)
    titles = {t for shown in days.values() for t in shown}
    assert titles == {"Tribal Healing Training", "Community Film Night"}


def test_calendar_redirects_to_this_month_with_the_filters(client):
    response = client.get("/calendar?level=federal")
    today = datetime.now(ZoneInfo("America/New_York")).date()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/calendar/{today.year}/{today.month}?level=federal"


def test_no_such_month(client):
    assert client.get("/calendar/2027/13").status_code == 404
    assert client.get("/calendar/2027/0").status_code == 404
    response = client.get("/calendar/2027/1?level=galactic")
    assert response.status_code == 400 and "galactic" in response.get_data(as_text=True)


def test_a_crowded_day_links_to_the_rest(client, make_event):
    for n in range(8):
        make_event(title=f"Session {n}", start_date=date(YEAR, 1, 21), end_date=date(YEAR, 1, 21),
                   start_time=time(9 + n), end_time=time(9 + n, 45))  # fmt: skip
    doc = parse(client.get(f"/calendar/{YEAR}/1?format=virtual").data)
    cell = doc.find("li", cls="day", data_date=f"{YEAR}-01-21")
    assert len(cell.find_all("li", cls="grid-event")) == 6
    more = cell.find("p", cls="day-more").find("a")
    assert more.text.startswith("2 more")
    assert more.get("href") == f"/events?format=virtual&from={YEAR}-01-21&to={YEAR}-01-21"


def test_a_month_without_events_links_the_next_month_that_has_some(client, make_event):
    """December, before the season: a note instead of a silent empty grid, keeping the
    filters and the /calendar/<year>/<month> URLs."""
    make_event(title="January webinar", start_date=date(YEAR, 1, 14), end_date=date(YEAR, 1, 14))
    make_event(title="March webinar", level="federal", state="",
               start_date=date(YEAR, 3, 3), end_date=date(YEAR, 3, 3))  # fmt: skip
    response = client.get(f"/calendar/{YEAR - 1}/12")
    assert response.status_code == 200
    note = parse(response.data).find("p", cls="empty-month")
    assert f"No events in December {YEAR - 1}." in note.text
    assert note.find("a").get("href") == f"/calendar/{YEAR}/1"
    assert note.find("a").text == f"January {YEAR}"

    filtered = parse(client.get(f"/calendar/{YEAR}/2?level=federal").data)
    note = filtered.find("p", cls="empty-month")
    assert "with these filters" in note.text
    assert note.find("a").get("href") == f"/calendar/{YEAR}/3?level=federal"

    nothing_later = parse(client.get(f"/calendar/{YEAR}/4").data).find("p", cls="empty-month")
    assert "None are listed after it yet." in nothing_later.text and nothing_later.find("a") is None
    assert parse(client.get(f"/calendar/{YEAR}/1").data).find("p", cls="empty-month") is None
