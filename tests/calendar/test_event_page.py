"""/events/<id>[/<slug>]: everything public about one event, never the contact, with a
schema.org Event, Open Graph tags, "add to calendar" links and a cancelled banner."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from urllib.parse import parse_qs, urlsplit

import pytest

from htpm_events.events.models import EventCohost, Flyer
from htpm_events.events.services import cancel, find_or_create_organization
from htpm_events.extensions import db

from ..builders import day_text, default_day, next_january
from .conftest import IN_PERSON
from .helpers import parse


def jsonld(body) -> dict:
    scripts = parse(body).find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    return json.loads("".join(scripts[0].children))


def test_the_page_shows_the_public_fields_and_never_the_contact(client, make_event):
    event = make_event(
        title="Labor Trafficking 101",
        description="## Agenda\n\n* Indicators\n* **Screening** tools",
        ce_credits="2 CE hours",
        accessibility=["captions", "asl"],
        languages=["en", "es"],
        contact_name="Dana Private",
        contact_email="dana.private@example.org",
    )
    response = client.get(f"/events/{event.id}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Dana Private" not in text and "dana.private@example.org" not in text
    doc = parse(text)
    assert doc.find("h1").text == "Labor Trafficking 101"
    facts = doc.find("dl", cls="event-facts").text
    for expected in ("Kentucky Coalition Against Trafficking", "2 CE hours", "Captions",
                     "ASL interpretation", "English, Spanish", "Free"):  # fmt: skip
        assert expected in facts
    description = doc.find("section", cls="description")
    assert description.find("h3").text == "Agenda"  # "##" sits below the page's h2
    assert description.find("strong").text == "Screening"
    assert doc.find("a", cls="join-link").get("href") == "https://example.org/join/labor"
    assert f"{day_text(default_day())}, 10:00–11:00 AM ET" in doc.find("p", cls="event-when").text


def test_every_url_of_the_page_names_the_slug_url_canonical(client, make_event):
    event = make_event(title="Recognizing Labor Trafficking")
    canonical = f"http://localhost/events/{event.id}/recognizing-labor-trafficking"
    for path in (f"/events/{event.id}", f"/events/{event.id}/old-title"):
        doc = parse(client.get(path).data)
        assert doc.find("link", rel="canonical").get("href") == canonical


@pytest.mark.parametrize("status", ["pending", "rejected", "changes-requested"])
def test_unpublished_events_are_invisible(client, make_event, status):
    event = make_event(status=status)
    assert client.get(f"/events/{event.id}").status_code == 404
    assert client.get(f"/events/{event.id}/register").status_code == 404
    assert client.get("/events/999999").status_code == 404


def test_a_cancelled_event_has_a_banner_and_says_so_everywhere(client, make_event):
    event = make_event()
    cancel(event)
    db.session.commit()
    response = client.get(f"/events/{event.id}")
    assert response.status_code == 200
    doc = parse(response.data)
    assert "This event has been cancelled." in doc.find("div", cls="banner-cancelled").text
    assert "Registration closed" in doc.find("section", cls="registration").text
    assert jsonld(response.data)["eventStatus"] == "https://schema.org/EventCancelled"


def test_json_ld_is_a_valid_schema_org_event(client, make_event):
    event = make_event(
        title="Hybrid Summit </script><script>alert(1)</script>",
        format="hybrid",
        cost="$25",
        registration_deadline=datetime(next_january(), 1, 10, 17, 0),
        **IN_PERSON,
    )
    body = client.get(f"/events/{event.id}").data
    assert b"</script><script>alert(1)" not in body
    data = jsonld(body)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["name"] == "Hybrid Summit </script><script>alert(1)</script>"
    assert data["startDate"] == f"{default_day()}T10:00:00-05:00"
    assert data["endDate"] == f"{default_day()}T11:00:00-05:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, virtual = data["location"]
    assert place["@type"] == "Place" and place["address"]["@type"] == "PostalAddress"
    assert place["address"]["addressLocality"] == "Louisville"
    assert place["address"]["addressRegion"] == "KY"
    assert virtual == {"@type": "VirtualLocation", "url": "https://example.org/join/labor"}
    offer = data["offers"]
    assert offer["url"] == f"http://localhost/events/{event.id}/register"
    assert offer["price"] == 25.0 and offer["priceCurrency"] == "USD"
    assert offer["availability"] in ("https://schema.org/InStock", "https://schema.org/SoldOut")
    assert data["organizer"]["name"] == "Kentucky Coalition Against Trafficking"
    assert "social workers" in data["description"] and "**" not in data["description"]


def test_json_ld_for_an_all_day_virtual_free_event_uses_dates(client, make_event):
    event = make_event(all_day=True, start_time=None, end_time=None,
                       start_date=date(2027, 1, 11), end_date=date(2027, 1, 12),
                       registration_mode="none", registration_url="")  # fmt: skip
    data = jsonld(client.get(f"/events/{event.id}").data)
    assert (data["startDate"], data["endDate"]) == ("2027-01-11", "2027-01-12")
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"]["@type"] == "VirtualLocation"
    assert data["offers"]["price"] == 0
    assert (
        data["offers"]["url"] == f"http://localhost/events/{event.id}/recognizing-labor-trafficking"
    )


def test_open_graph_tags_describe_the_event(client, make_event):
    event = make_event(title="Share me", description="A **plain** summary.")
    doc = parse(client.get(f"/events/{event.id}").data)
    og = {m.get("property"): m.get("content") for m in doc.find_all("meta") if m.get("property")}
    assert og["og:title"] == "Share me"
    assert og["og:description"] == "A plain summary."
    assert og["og:url"] == f"http://localhost/events/{event.id}/share-me"


def test_a_script_in_a_description_never_becomes_a_tag(client, make_event):
    event = make_event(
        description='Hello <script>alert("x")</script> <img src=x onerror="alert(1)">\n\n'
        "[click](javascript:alert(2))"
    )
    body = client.get(f"/events/{event.id}").get_data(as_text=True)
    description = body[body.index('class="description"') :]
    assert "<script>" not in description and "<img" not in description
    assert 'href="javascript:' not in description
    assert "&lt;script&gt;" in description  # shown as text


def test_add_to_calendar_links(client, make_event):
    y = next_january()  # March 4 is before the March change every year: CST (-06:00)
    event = make_event(title="Weekly circle", timezone="America/Chicago",
                       start_date=date(y, 3, 4), end_date=date(y, 3, 4),
                       start_time=time(10), end_time=time(11), recurrence="weekly",
                       recurrence_count=4)  # fmt: skip
    links = parse(client.get(f"/events/{event.id}").data).find("ul", cls="calendar-links")
    hrefs = [a.get("href") for a in links.find_all("a")]
    assert hrefs[0] == f"http://localhost/events/{event.id}.ics"
    google = parse_qs(urlsplit(hrefs[1]).query)
    assert hrefs[1].startswith("https://calendar.google.com/calendar/render?")
    assert google["action"] == ["TEMPLATE"] and google["text"] == ["Weekly circle"]
    assert google["dates"] == [f"{y}0304T100000/{y}0304T110000"]
    assert google["ctz"] == ["America/Chicago"]
    assert google["recur"] == ["RRULE:FREQ=WEEKLY;COUNT=4"]
    assert f"http://localhost/events/{event.id}/weekly-circle" in google["details"][0]
    outlook = parse_qs(urlsplit(hrefs[2]).query)
    assert hrefs[2].startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert outlook["subject"] == ["Weekly circle"]
    assert outlook["startdt"] == [f"{y}-03-04T10:00:00-06:00"]
    assert outlook["enddt"] == [f"{y}-03-04T11:00:00-06:00"]
    assert "location" in outlook and "body" in outlook


def test_on_demand_items_have_no_calendar_file(client, make_event):
    event = make_event(format="on-demand", start_date=date(2027, 1, 1), end_date=None,
                       start_time=None, end_time=None)  # fmt: skip
    doc = parse(client.get(f"/events/{event.id}").data)
    assert doc.find("section", cls="add-to-calendar") is None
    assert (
        b".ics"
        not in client.get(f"/events/{event.id}").data.split(b"<footer")[0].split(b"</head>")[1]
    )


def test_address_opens_in_maps(client, make_event):
    event = make_event(format="in-person", online_url="", **IN_PERSON)
    maps = parse(client.get(f"/events/{event.id}").data).find("p", cls="maps-links")
    google = maps.find("a").get("href")
    assert google.startswith("https://www.google.com/maps/search/?api=1&query=")
    assert parse_qs(urlsplit(google).query)["query"] == [
        "Civic Center, 100 Main Street, Louisville, KY 40202"
    ]


def test_registration_block_shows_the_deadline_and_closes_after_it(client, make_event):
    year = next_january() + 3
    upcoming = make_event(registration_deadline=datetime(year, 1, 12, 17, 0),
                          start_date=date(year, 1, 14), end_date=date(year, 1, 14))  # fmt: skip
    block = parse(client.get(f"/events/{upcoming.id}").data).find("section", cls="registration")
    assert f"Register by {day_text(date(year, 1, 12))}, 5:00 PM ET" in block.text
    assert block.find("a", cls="button").get("href") == f"/events/{upcoming.id}/register"

    closed = make_event(registration_deadline=datetime(2026, 1, 2, 9, 0),
                        start_date=date(year, 1, 14), end_date=date(year, 1, 14))  # fmt: skip
    block = parse(client.get(f"/events/{closed.id}").data).find("section", cls="registration")
    assert "Registration closed" in block.text
    assert block.find("a", cls="button") is None


def test_cohosts_are_credited_with_their_registration_links(client, make_event):
    event = make_event()
    partner = find_or_create_organization("Louisville Metro Police")
    db.session.add(EventCohost(event_id=event.id, organization_id=partner.id,
                               registration_url="https://example.org/lmpd-register"))  # fmt: skip
    db.session.commit()
    cohosts = parse(client.get(f"/events/{event.id}").data).find("ul", cls="cohosts")
    assert "Louisville Metro Police" in cohosts.text
    assert cohosts.find("a").get("href") == "https://example.org/lmpd-register"


def test_flyer_is_offered_for_download(app, client, make_event):
    event = make_event()
    db.session.add(Flyer(event_id=event.id, filename="flyer.pdf", content_type="application/pdf",
                         size=2048, data=b"%PDF-1.4 test"))  # fmt: skip
    db.session.commit()
    doc = parse(client.get(f"/events/{event.id}").data)
    link = next(a for a in doc.find_all("a") if "Download the flyer" in a.text)
    assert link.get("href") == f"http://localhost/events/{event.id}/flyer"
    assert "PDF" in link.text
