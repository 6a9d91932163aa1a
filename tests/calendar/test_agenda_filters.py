"""/events: the SPEC §4 filters (each, repeated, combined), shown as chips, and refused
with a 400 that names a bad value. Every test here runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from .conftest import JANUARY, YEAR
from .helpers import agenda_titles, on_demand_titles, parse

FEDERAL, WALK, TRIBAL = (
    "Federal Labor Webinar",
    "Kentucky Awareness Walk",
    "Tribal Healing Training",
)
FILM, COURSE = "Community Film Night", "Self-Paced Awareness Course"
JANUARY_ALL = {FEDERAL, WALK, TRIBAL, FILM, COURSE}


def shown(client, query: str) -> set[str]:
    response = client.get(f"/events?{query}")
    assert response.status_code == 200, response.data[:500]
    return set(agenda_titles(response.data)) | set(on_demand_titles(response.data))


def test_january_lists_every_public_event_and_never_a_hidden_one(client, catalog):
    assert shown(client, JANUARY) == JANUARY_ALL
    body = client.get(f"/events?{JANUARY}").get_data(as_text=True)
    assert "Pending Federal Secret" not in body
    assert "Rejected Federal Thing" not in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=federal", {FEDERAL, COURSE}),
        ("level=federal&level=tribal", {FEDERAL, TRIBAL, COURSE}),
        ("level=federal,tribal", {FEDERAL, TRIBAL, COURSE}),
        ("state=KY", {WALK}),
        ("state=ky&state=CA", {WALK, FILM}),
        ("format=in-person", {WALK, FILM}),
        ("format=on-demand", {COURSE}),
        ("event_type=training", {TRIBAL, COURSE}),
        ("topic=awareness", {WALK, COURSE}),
        ("audience=health-care", {TRIBAL}),
        ("access=asl", {TRIBAL}),
        ("lang=es", {WALK, FILM}),
        ("free=1", {FEDERAL, TRIBAL, FILM, COURSE}),
        ("open=1", {FEDERAL, FILM}),
        ("org=kentucky-coalition-against-trafficking", {WALK}),
        ("q=walk", {WALK}),
        # combinations: AND between parameters, OR within one
        ("level=state&format=in-person", {WALK}),
        ("level=federal&format=virtual", {FEDERAL}),
        ("topic=awareness&lang=es", {WALK}),
        ("level=federal&level=community&free=1", {FEDERAL, FILM, COURSE}),
        ("format=in-person&format=hybrid&audience=youth", {FILM}),
        ("state=KY&level=federal", set()),
    ],
)
def test_each_filter_and_combinations(client, catalog, query, expected):
    assert shown(client, f"{JANUARY}&{query}") == expected


def test_org_filter_takes_the_id_too(client, catalog):
    org_id = catalog["walk"].organization_id
    assert shown(client, f"{JANUARY}&org={org_id}") == {WALK}


def test_dates_window_selects_the_month(client, catalog):
    assert shown(client, f"from={YEAR}-02-01&to={YEAR}-02-28") == {
        "February Survivor Panel",
        COURSE,  # on demand with no end: available then too
    }
    assert shown(client, f"from={YEAR}-01-11&to={YEAR}-01-11") == {WALK, COURSE}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("level=galactic", "galactic"),
        ("from=2026-13-45", "2026-13-45"),
        ("to=yesterday", "yesterday"),
        ("state=ZZ", "ZZ"),
        ("topic=aliens", "aliens"),
        ("free=maybe", "maybe"),
        ("org=no-such-org", "no-such-org"),
        ("lang=%21%21", "!!"),
        ("page=0", "0"),
        ("page=abc", "abc"),
        (f"from={YEAR}-02-01&to={YEAR}-01-01", "to="),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, catalog, query, named):
    response = client.get(f"/events?{query}")
    assert response.status_code == 400
    message = parse(response.data).find("p", cls="error-message").text
    assert named in message


def test_active_filters_show_as_chips_each_with_a_remove_link(client, catalog):
    body = client.get(f"/events?{JANUARY}&level=federal&state=KY").data
    chips = parse(body).find("ul", cls="chips").find_all("li", cls="chip")
    labels = [chip.text for chip in chips]
    assert any("Level: Federal" in label for label in labels)
    assert any("State: Kentucky" in label for label in labels)
    federal = next(chip for chip in chips if "Level: Federal" in chip.text)
    remove = federal.find("a").get("href")
    assert "level=federal" not in remove and "state=KY" in remove
    assert shown(client, remove.split("?", 1)[1]) == {WALK}
    clear = parse(body).find("li", cls="chip-clear").find("a").get("href")
    assert clear == "/events"


def test_the_form_shows_the_current_filters_checked(client, catalog):
    doc = parse(client.get(f"/events?{JANUARY}&level=tribal&state=AZ&q=healing&free=1").data)
    assert doc.find("input", id="f-level-tribal").has("checked")
    assert not doc.find("input", id="f-level-federal").has("checked")
    assert doc.find("input", id="f-q").get("value") == "healing"
    assert doc.find("input", id="f-free").has("checked")
    az = [o for o in doc.find("select", id="f-state").find_all("option") if o.get("value") == "AZ"]
    assert az[0].has("selected")
    assert doc.find("input", id="f-from").get("value") == f"{YEAR}-01-01"


def test_subscribe_links_carry_the_filters(client, catalog):
    doc = parse(client.get("/events?level=federal&state=KY").data)
    box = doc.find("section", cls="subscribe")
    hrefs = [a.get("href") for a in box.find_all("a")]
    feed = "http://localhost/feeds/events.ics?level=federal&state=KY"
    assert feed in hrefs
    assert "webcal://localhost/feeds/events.ics?level=federal&state=KY" in hrefs
    google = next(h for h in hrefs if h.startswith("https://calendar.google.com/calendar/r?cid="))
    assert google.endswith(
        "webcal%3A%2F%2Flocalhost%2Ffeeds%2Fevents.ics%3Flevel%3Dfederal%26state%3DKY"
    )
    assert box.find("input", id="feed-url").get("value") == feed


def test_cancelled_events_stay_listed_with_a_marker(client, catalog):
    from htpm_events.events.services import cancel
    from htpm_events.extensions import db

    cancel(catalog["walk"])
    db.session.commit()
    doc = parse(client.get(f"/events?{JANUARY}").data)
    article = next(a for a in doc.find_all("article") if WALK in a.text)
    assert "is-cancelled" in article.classes
    assert "Cancelled" in article.text
