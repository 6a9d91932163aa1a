"""/events: occurrences from today, grouped by each event's own local day, in local time,
paginated 50 a page (recurring events expanded), with an on-demand section."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .conftest import YEAR
from .helpers import agenda_titles, day_headings, on_demand_titles, parse


def test_times_are_in_the_events_own_zone_with_its_abbreviation(client, make_event):
    make_event(
        title="Sacramento webinar",
        timezone="America/Los_Angeles",
        start_date=date(YEAR, 1, 13),
        end_date=date(YEAR, 1, 13),
        start_time=time(13),
        end_time=time(14),
    )
    doc = parse(client.get(f"/events?from={YEAR}-01-01").data)
    when = doc.find("time", cls="local-time")
    assert when.text == f"Mon Jan 13 {YEAR}, 1:00–2:00 PM PT"
    # The instant is there for the "my time zone" toggle, with the event's offset.
    assert when.get("data-start") == f"{YEAR}-01-13T13:00:00-08:00"
    assert when.get("data-end") == f"{YEAR}-01-13T14:00:00-08:00"
    assert doc.find("button", cls="tz-toggle") is not None


def test_events_are_grouped_by_their_own_local_day(client, make_event):
    # 10 PM in Honolulu on the 14th is 8 AM UTC on the 15th, after 2 AM in New York.
    make_event(
        title="Honolulu evening vigil",
        timezone="Pacific/Honolulu",
        start_date=date(YEAR, 1, 14),
        end_date=date(YEAR, 1, 14),
        start_time=time(22),
        end_time=time(23),
    )
    make_event(
        title="New York early call",
        timezone="America/New_York",
        start_date=date(YEAR, 1, 15),
        end_date=date(YEAR, 1, 15),
        start_time=time(2),
        end_time=time(3),
    )
    body = client.get(f"/events?from={YEAR}-01-01").data
    assert day_headings(body) == [f"Tuesday, January 14, {YEAR}", f"Wednesday, January 15, {YEAR}"]
    assert agenda_titles(body) == ["Honolulu evening vigil", "New York early call"]
    assert "10:00–11:00 PM HT" in parse(body).text


def test_without_dates_the_list_starts_today(client, make_event):
    today = datetime.now(ZoneInfo("America/New_York")).date()
    day = timedelta(days=1)
    make_event(title="Yesterday's exhibit", all_day=True, start_date=today - 3 * day,
               end_date=today - day, start_time=None, end_time=None)  # fmt: skip
    make_event(title="Running exhibit", all_day=True, start_date=today - 2 * day,
               end_date=today + 2 * day, start_time=None, end_time=None)  # fmt: skip
    make_event(title="Tomorrow's walk", all_day=True, start_date=today + day,
               end_date=today + day, start_time=None, end_time=None)  # fmt: skip
    body = client.get("/events").data
    assert agenda_titles(body) == ["Running exhibit", "Tomorrow's walk"]
    # The exhibit that began two days ago is listed under today, not under its first day.
    assert day_headings(body)[0] == f"{today:%A, %B} {today.day}, {today.year}"


def test_on_demand_items_have_their_own_section_and_never_enter_the_dated_list(client, make_event):
    make_event(title="Always-on course", format="on-demand", start_date=date(2026, 1, 1),
               end_date=None, start_time=None, end_time=None)  # fmt: skip
    make_event(title="Course that closed", format="on-demand", start_date=date(2025, 1, 1),
               end_date=date(2025, 12, 31), start_time=None, end_time=None)  # fmt: skip
    make_event(title="Course opening later", format="on-demand", start_date=date(YEAR, 6, 1),
               end_date=None, start_time=None, end_time=None)  # fmt: skip
    make_event(title="A dated webinar", start_date=date(YEAR, 1, 9), end_date=date(YEAR, 1, 9))
    body = client.get(f"/events?from={YEAR}-01-01&to={YEAR}-01-31").data
    assert on_demand_titles(body) == ["Always-on course"]
    assert agenda_titles(body) == ["A dated webinar"]
    heading = parse(body).find("section", cls="on-demand").find("h2").text
    assert heading == "On demand — any time"
    default = client.get("/events").data
    assert "Always-on course" in on_demand_titles(default)
    assert "Course that closed" not in on_demand_titles(default)


def test_fifty_occurrences_a_page_with_recurring_events_expanded(client, make_event):
    expected = []
    for n in range(40):  # one-off events through January and February
        day = date(YEAR, 1, 2) + timedelta(days=n)
        make_event(title=f"Single {n:02d}", start_date=day, end_date=day)
        expected.append((day, f"Single {n:02d}"))
    for n, weekday in enumerate((0, 3)):  # two weekly series starting in the first week
        first = date(YEAR, 1, 6) + timedelta(days=weekday)
        make_event(title=f"Weekly {n}", start_date=first, end_date=first,
                   start_time=time(8), end_time=time(9),
                   recurrence="weekly", recurrence_count=12)  # fmt: skip
        expected += [(first + timedelta(weeks=w), f"Weekly {n}") for w in range(12)]
    expected.sort(key=lambda item: (item[0], not item[1].startswith("Weekly")))
    assert len(expected) == 64

    first_page = client.get(f"/events?from={YEAR}-01-01")
    second_page = client.get(f"/events?from={YEAR}-01-01&page=2")
    one, two = agenda_titles(first_page.data), agenda_titles(second_page.data)
    assert (len(one), len(two)) == (50, 14)
    # Every occurrence exactly once, in date order (weekly 8 AM before the 10 AM one-offs).
    assert one + two == [title for _, title in expected]
    assert Counter(one + two)["Weekly 1"] == 12

    doc_one, doc_two = parse(first_page.data), parse(second_page.data)
    assert doc_one.find("a", rel="next").get("href") == f"/events?from={YEAR}-01-01&page=2"
    assert doc_one.find("link", rel="next") is not None
    assert doc_one.find("a", rel="prev") is None
    assert doc_two.find("a", rel="prev").get("href") == f"/events?from={YEAR}-01-01"
    assert doc_two.find("a", rel="next") is None


def test_many_recurring_series_starting_before_the_window_are_all_placed(client, make_event):
    # Twenty daily series that began long before the window and still run in it: their
    # first start sorts first, their occurrences in the window must all be found.
    for n in range(20):
        make_event(title=f"Daily {n:02d}", start_date=date(YEAR - 1, 11, 1),
                   end_date=date(YEAR - 1, 11, 1), start_time=time(7, n),
                   end_time=time(7, n + 30), recurrence="daily",
                   recurrence_until=date(YEAR, 1, 10))  # fmt: skip
    make_event(title="Late one-off", start_date=date(YEAR, 1, 9), end_date=date(YEAR, 1, 9))
    pages = [agenda_titles(client.get(f"/events?from={YEAR}-01-08&page={p}").data) for p in (1, 2)]
    titles = pages[0] + pages[1]
    assert len(pages[0]) == 50 and len(titles) == 20 * 3 + 1  # Jan 8, 9, 10 for each series
    assert titles.index("Late one-off") == 40  # after the twenty 7 AM sittings of the 9th
    assert titles[:20] == [f"Daily {n:02d}" for n in range(20)]


def test_a_page_past_the_end_is_empty_not_an_error(client, make_event):
    make_event()
    response = client.get("/events?from=2027-01-01&page=3")
    assert response.status_code == 200
    assert agenda_titles(response.data) == []


def test_pages_stay_exact_across_zones_when_a_page_needs_more_reading(client, make_event):
    # 9 AM on Jan 11 in Tokyo is midnight UTC; 3 PM on Jan 10 in Honolulu is an hour later.
    # The database hands out the Tokyo events first, yet Honolulu's Jan 10 comes first in
    # the list: the page must read past the first batch of events to get that right.
    for n in range(75):
        make_event(title=f"Tokyo {n:02d}", timezone="Asia/Tokyo", start_date=date(YEAR, 1, 11),
                   end_date=date(YEAR, 1, 11), start_time=time(9), end_time=time(10))  # fmt: skip
    for n in range(10):
        make_event(title=f"Honolulu {n}", timezone="Pacific/Honolulu",
                   start_date=date(YEAR, 1, 10), end_date=date(YEAR, 1, 10),
                   start_time=time(15), end_time=time(16))  # fmt: skip
    one = client.get(f"/events?from={YEAR}-01-01").data
    two = client.get(f"/events?from={YEAR}-01-01&page=2").data
    assert agenda_titles(one) == [f"Honolulu {n}" for n in range(10)] + [
        f"Tokyo {n:02d}" for n in range(40)
    ]
    assert agenda_titles(two) == [f"Tokyo {n:02d}" for n in range(40, 75)]
    assert day_headings(one) == [f"Friday, January 10, {YEAR}", f"Saturday, January 11, {YEAR}"]
