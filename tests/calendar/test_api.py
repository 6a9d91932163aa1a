"""/api/v1/events: the same events as the HTML for the same filters, the §2 public fields,
pages with a `next` link, CORS for any origin, and 400s that name the bad value."""

from __future__ import annotations

from datetime import date, datetime, time
from urllib.parse import urlsplit

import pytest

from .conftest import JANUARY, YEAR
from .helpers import agenda_titles, on_demand_titles

PUBLIC_FIELDS = {
    "id", "uid", "status", "url", "ics_url", "register_url", "title", "description",
    "description_html", "organization", "organization_id", "organization_slug", "level",
    "state", "format", "event_type", "topics", "audiences", "timezone", "start_date",
    "start_time", "end_date", "end_time", "all_day", "start", "end", "recurrence",
    "recurrence_until", "recurrence_count", "rrule", "venue_name", "address", "city",
    "postal_code", "online_url", "registration_mode", "registration_url",
    "registration_deadline", "capacity", "cost", "languages", "accessibility", "ce_credits",
    "created", "updated", "published", "sequence",
}  # fmt: skip


def api(client, query: str = "") -> dict:
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 200, response.data
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def html_titles(client, query: str) -> set[str]:
    titles: set[str] = set()
    for page in range(1, 20):
        body = client.get(f"/events?{query}&page={page}").data
        dated, on_demand = agenda_titles(body), on_demand_titles(body)
        titles |= set(dated) | set(on_demand)
        if not dated and not on_demand:
            break
    return titles


@pytest.mark.parametrize(
    "query",
    [
        JANUARY,
        f"{JANUARY}&level=federal",
        f"{JANUARY}&format=in-person&format=hybrid",
        f"{JANUARY}&topic=awareness&lang=es",
        f"{JANUARY}&free=1&open=1",
        f"{JANUARY}&q=training",
        f"from={YEAR}-02-01",
        "level=community",
    ],
)
def test_the_api_returns_the_same_events_as_the_html(client, catalog, query):
    data = api(client, query)
    assert {item["title"] for item in data["events"]} == html_titles(client, query)
    assert data["count"] == len(data["events"])
    assert data["total"] == len(data["events"])  # one page holds them all here


def test_items_hold_the_public_fields_and_never_the_contact(client, make_event):
    event = make_event(
        title="Webinar",
        timezone="America/Los_Angeles",
        start_date=date(YEAR, 1, 13),
        end_date=date(YEAR, 1, 13),
        start_time=time(13),
        end_time=time(14, 30),
        registration_deadline=datetime(YEAR, 1, 12, 17, 0),
        description="**Bold** <script>x</script>",
        contact_name="Secret Person",
        contact_email="secret@example.org",
    )
    response = client.get(f"/api/v1/events?from={YEAR}-01-01")
    assert b"Secret Person" not in response.data and b"secret@example.org" not in response.data
    (item,) = response.get_json()["events"]
    assert set(item) >= PUBLIC_FIELDS
    assert "contact_name" not in item and "contact_email" not in item
    assert item["id"] == event.id and item["uid"] == event.uid
    assert item["url"] == f"http://localhost/events/{event.id}/webinar"
    assert item["ics_url"] == f"http://localhost/events/{event.id}.ics"
    assert item["register_url"] == f"http://localhost/events/{event.id}/register"
    assert (item["start_date"], item["start_time"]) == (f"{YEAR}-01-13", "13:00")
    assert (item["end_date"], item["end_time"]) == (f"{YEAR}-01-13", "14:30")
    assert item["start"] == f"{YEAR}-01-13T13:00:00-08:00"
    assert item["end"] == f"{YEAR}-01-13T14:30:00-08:00"
    assert item["registration_deadline"] == f"{YEAR}-01-12T17:00"
    assert item["description"] == "**Bold** <script>x</script>"
    assert "<strong>Bold</strong>" in item["description_html"]
    assert "<script>" not in item["description_html"]
    assert item["organization"] == "Kentucky Coalition Against Trafficking"
    assert item["topics"] == ["labor-exploitation"] and item["languages"] == ["en"]


def test_all_day_and_on_demand_items_use_dates(client, make_event):
    make_event(title="Exhibit", all_day=True, start_time=None, end_time=None,
               start_date=date(YEAR, 1, 7), end_date=date(YEAR, 1, 31))  # fmt: skip
    make_event(title="Course", format="on-demand", start_date=date(YEAR, 1, 1), end_date=None,
               start_time=None, end_time=None, registration_mode="none",
               registration_url="")  # fmt: skip
    items = {i["title"]: i for i in api(client, f"from={YEAR}-01-01")["events"]}
    assert (items["Exhibit"]["start"], items["Exhibit"]["end"]) == (
        f"{YEAR}-01-07",
        f"{YEAR}-01-31",
    )
    assert items["Exhibit"]["all_day"] is True
    assert (items["Course"]["start"], items["Course"]["end"]) == (f"{YEAR}-01-01", None)
    assert items["Course"]["ics_url"] is None and items["Course"]["register_url"] is None


def test_pages_follow_each_other_by_the_next_link(client, make_event):
    for n in range(7):
        make_event(
            title=f"Event {n}", start_date=date(YEAR, 1, 2 + n), end_date=date(YEAR, 1, 2 + n)
        )
    seen, url, pages = [], f"/api/v1/events?from={YEAR}-01-01&per_page=3", 0
    while url:
        data = client.get(url).get_json()
        seen += [item["title"] for item in data["events"]]
        pages += 1
        url = data["next"]
        if url:
            assert url.startswith("http://localhost/api/v1/events?")
            assert "from=" in url and "per_page=3" in url and "cursor=" in url
            url = url.removeprefix("http://localhost")
    assert seen == [f"Event {n}" for n in range(7)] and pages == 3
    first = api(client, f"from={YEAR}-01-01&per_page=3")
    assert (first["count"], first["total"]) == (3, 7)  # count: this page; total: all pages
    last = api(client, f"from={YEAR}-01-01&per_page=3&page=3")
    assert (last["count"], last["total"]) == (1, 7)
    assert api(client, f"from={YEAR}-01-01&per_page=3&level=federal")["total"] == 0
    by_number = api(client, f"from={YEAR}-01-01&per_page=3&page=2")
    assert [i["title"] for i in by_number["events"]] == ["Event 3", "Event 4", "Event 5"]
    assert "page=3" in urlsplit(by_number["next"]).query
    assert api(client, f"from={YEAR}-01-01&per_page=3&page=3")["next"] is None


def test_default_page_size_is_100(client, make_event):
    make_event(start_date=date(YEAR, 1, 2), end_date=date(YEAR, 1, 2))
    data = api(client, f"from={YEAR}-01-01")
    assert data["count"] == 1 and data["next"] is None


@pytest.mark.parametrize(
    ("query", "param", "value"),
    [
        ("level=galactic", "level", "galactic"),
        ("from=2026-13-45", "from", "2026-13-45"),
        ("per_page=501", "per_page", "501"),
        ("per_page=0", "per_page", "0"),
        ("page=-1", "page", "-1"),
        ("cursor=not-a-cursor", "cursor", "not-a-cursor"),
    ],
)
def test_a_bad_parameter_is_a_400_with_a_json_message_naming_it(client, query, param, value):
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert body["error"] and value in body["message"]
    assert (body["parameter"], body["value"]) == (param, value)


def test_one_event_and_its_404(client, make_event):
    public = make_event(title="Public one")
    hidden = make_event(status="pending", title="Hidden one")
    response = client.get(f"/api/v1/events/{public.id}")
    assert response.status_code == 200 and response.get_json()["title"] == "Public one"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    missing = client.get(f"/api/v1/events/{hidden.id}")
    assert missing.status_code == 404 and missing.is_json


def all_pages(client, query: str) -> tuple[list[str], set[int]]:
    """Titles over every page (following ``next``) and the ``total`` each page gave."""
    titles, totals, url = [], set(), f"/api/v1/events?{query}&per_page=2"
    while url:
        data = client.get(url).get_json()
        titles += [item["title"] for item in data["events"]]
        totals.add(data["total"])
        url = (data["next"] or "").removeprefix("http://localhost")
    return titles, totals


@pytest.mark.parametrize(
    "query",
    [
        f"from={YEAR}-01-10&to={YEAR}-01-10",
        f"from={YEAR}-01-11&to={YEAR}-01-20",
        f"from={YEAR}-01-09",
        f"from={YEAR}-01-01&to={YEAR}-01-31&q=edge",
        "",
    ],
)
def test_total_counts_exactly_what_the_pages_hold_at_the_window_edges(client, make_event, query):
    """Events whose zone decides whether they are in the window (late evening in Honolulu,
    early morning in Kiritimati) and recurring ones that skip it are counted as listed."""
    day = date(YEAR, 1, 10)
    make_event(title="Honolulu late edge", timezone="Pacific/Honolulu", start_date=day,
               end_date=day, start_time=time(23), end_time=time(23, 30))  # fmt: skip
    make_event(title="Kiritimati early edge", timezone="Pacific/Kiritimati", start_date=day,
               end_date=day, start_time=time(0, 30), end_time=time(1))  # fmt: skip
    make_event(title="Weekly edge skipping", start_date=date(YEAR, 1, 6),
               end_date=date(YEAR, 1, 6), recurrence="weekly", recurrence_count=3)  # fmt: skip
    make_event(
        title="Middle of the month", start_date=date(YEAR, 1, 15), end_date=date(YEAR, 1, 15)
    )
    make_event(title="On demand edge", format="on-demand", start_date=date(YEAR, 1, 1),
               end_date=date(YEAR, 1, 12), start_time=None, end_time=None)  # fmt: skip
    titles, totals = all_pages(client, query)
    assert titles, "the window holds some events"
    assert totals == {len(titles)}
