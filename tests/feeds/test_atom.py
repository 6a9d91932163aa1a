"""/feeds/events.atom: newly published events for feed readers (RFC 4287)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from htpm_events.extensions import db

A = "{http://www.w3.org/2005/Atom}"


def parse(body: bytes) -> ET.Element:
    root = ET.fromstring(body)
    assert root.tag == f"{A}feed"
    return root


def entry_titles(root: ET.Element) -> list[str]:
    return [e.findtext(f"{A}title") for e in root.findall(f"{A}entry")]


def test_atom_feed_is_valid_and_lists_newest_publications_first(january_event, client, app):
    older = january_event(title="Published first")
    newer = january_event(title="Published second", day=20)
    older.published = datetime.now(UTC) - timedelta(days=2)
    db.session.commit()
    response = client.get("/feeds/events.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = parse(response.data)
    base = app.config["HTPM_BASE_URL"]
    assert root.findtext(f"{A}id") == f"{base}/feeds/events.atom"
    assert root.findtext(f"{A}title") == "HTPM events"
    assert root.findtext(f"{A}updated").endswith("Z")
    assert root.find(f"{A}author/{A}name").text == "HTPM Events Hub"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert links == {"self": f"{base}/feeds/events.atom", "alternate": f"{base}/events"}
    assert entry_titles(root) == ["Published second", "Published first"]

    entry = root.find(f"{A}entry")
    assert entry.findtext(f"{A}id") == "urn:uuid:" + newer.uid.split("@")[0]
    link = entry.find(f"{A}link")
    assert link.get("href") == f"{base}/events/{newer.id}/published-second"
    assert entry.findtext(f"{A}published").endswith("Z")
    assert entry.findtext(f"{A}updated").endswith("Z")
    summary = entry.findtext(f"{A}summary")
    assert "Jan 20" in summary and "10:00–11:00 AM ET" in summary
    assert "Kentucky Coalition Against Trafficking" in summary


def test_atom_feed_takes_the_filters_and_shows_only_public_upcoming_events(
    january_event, make_event, client, days_from_today
):
    january_event(title="Federal", level="federal", state="")
    january_event(title="Kentucky", state="KY")
    january_event(title="Pending federal", level="federal", state="", status="pending")
    make_event(title="Federal, last week", level="federal", state="",
               start_date=days_from_today(-7), end_date=days_from_today(-7))  # fmt: skip
    root = parse(client.get("/feeds/events.atom?level=federal").data)
    assert entry_titles(root) == ["Federal"]
    assert root.findtext(f"{A}title") == "HTPM events — federal"
    self_link = [x.get("href") for x in root.findall(f"{A}link") if x.get("rel") == "self"]
    assert self_link[0].endswith("/feeds/events.atom?level=federal")


def test_atom_feed_holds_the_50_newest(january_event, client, days_from_today):
    for n in range(52):  # all upcoming (the feed lists from today on), even in mid-January
        january_event(title=f"Event {n}", start_date=days_from_today(1 + n % 28))
    root = parse(client.get("/feeds/events.atom").data)
    titles = entry_titles(root)
    assert len(titles) == 50
    assert "Event 51" in titles and "Event 0" not in titles


def test_atom_feed_answers_304_and_escapes_markup(january_event, client):
    january_event(title="<script>alert(1)</script> & friends")
    first = client.get("/feeds/events.atom")
    assert b"<script>" not in first.data
    assert entry_titles(parse(first.data)) == ["<script>alert(1)</script> & friends"]
    again = client.get("/feeds/events.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
