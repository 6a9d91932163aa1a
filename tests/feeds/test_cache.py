"""The feed cache under change: files per host, gzip, per-event VEVENT pieces, and which
ETags a change moves (every feed that shows the change, and no other)."""

from __future__ import annotations

import gzip
import shutil

import pytest
import sqlalchemy as sa

from htpm_events.events.filters import EventFilter
from htpm_events.events.services import bump_data_version, cancel, publish
from htpm_events.extensions import db
from htpm_events.feeds import cache, ical, pieces, services
from htpm_events.feeds.models import FeedCache, FeedPiece
from htpm_events.feeds.services import FeedRequest
from htpm_events.moderation.services import merge

from .parsers import icalendar_parse

GZIP = {"Accept-Encoding": "gzip"}


def uids(body: bytes) -> set[str]:
    return {str(e["UID"]) for e in icalendar_parse(body).walk("VEVENT")}


def test_feed_from_pieces_is_byte_for_byte_what_the_serializer_writes(january_event, client):
    january_event(title="Timed in Honolulu", timezone="Pacific/Honolulu")
    january_event(
        title="Commas, semicolons; back\\slashes — and ünïcødé 人口贩卖 " * 3,
        description="Line one\n\nA [link](https://example.org/a,b;c) and **bold**",
        cost="$5, or free; ask",
        day=3,
    )
    january_event(title="All day", day=20, all_day=True, start_time=None, end_time=None)
    january_event(title="Weekly", day=7, recurrence="weekly", recurrence_count=4)
    january_event(title="Virtual", day=9, format="virtual", online_url="https://meet.example/1")
    cancelled = january_event(title="Walk", day=10)
    cancel(cancelled)
    db.session.commit()

    body = client.get("/feeds/events.ics").data
    feed = FeedRequest.for_now("ics", EventFilter())
    base = ical.base_url()
    expected = ical.calendar_bytes(
        services.ical_events(feed),
        name=services.feed_name(feed.filter),
        about=services.feed_about(feed.filter, base),
        base=base,
    )
    assert body == expected
    one = client.get(f"/events/{cancelled.id}.ics").data
    assert one == ical.event_ics(db.session.get(type(cancelled), cancelled.id))


def test_one_changed_event_is_the_only_one_serialized_again(january_event, client, monkeypatch):
    events = [january_event(title=f"Event {n}", day=1 + n) for n in range(6)]
    first = client.get("/feeds/events.ics").data
    serialized = []
    real = ical.piece
    monkeypatch.setattr(ical, "piece", lambda e, b: serialized.append(e.id) or real(e, b))

    events[2].title = "Renamed"
    publish(events[2], bump_sequence=True)
    db.session.commit()
    second = client.get("/feeds/events.ics").data
    assert serialized == [events[2].id]
    assert b"SUMMARY:Renamed" in second and second != first
    # The per-event file uses the same pieces.
    client.get(f"/events/{events[3].id}.ics")
    assert serialized == [events[2].id]


def test_the_feed_after_one_approval_is_what_a_cold_build_writes(
    january_event, client, monkeypatch
):
    """After an approval only the new event is serialized and the others' pieces are read
    by id, a few at a time: the bytes and the ETag are still those of a feed built from
    nothing."""
    monkeypatch.setattr(pieces, "STREAM_ROWS", 2)  # batches of two pieces: the seams show
    january_event(title="Timed in Honolulu", timezone="Pacific/Honolulu")
    january_event(title="All day", day=20, all_day=True, start_time=None, end_time=None)
    january_event(title="Weekly", day=7, recurrence="weekly", recurrence_count=4)
    cancel(january_event(title="Walk", day=10))
    january_event(title="Same day, later id", day=10)
    pending = january_event(title="Awaiting approval", day=9, status="pending")
    db.session.commit()
    before = client.get("/feeds/events.ics").data

    publish(pending)
    db.session.commit()
    after = client.get("/feeds/events.ics")
    assert b"SUMMARY:Awaiting approval" in after.data and after.data != before
    feed = FeedRequest.for_now("ics", EventFilter())
    assert after.data == ical.calendar_bytes(
        services.ical_events(feed),
        name=services.feed_name(feed.filter),
        about=services.feed_about(feed.filter, ical.base_url()),
        base=ical.base_url(),
    )

    db.session.execute(sa.delete(FeedPiece))
    db.session.execute(sa.delete(FeedCache))
    db.session.commit()
    shutil.rmtree(cache.folder())
    cache.forget_memory()
    cold = client.get("/feeds/events.ics")
    assert cold.data == after.data
    assert cold.headers["ETag"] == after.headers["ETag"]


def test_gzip_is_the_plain_body_compressed_with_its_own_etag(january_event, client):
    for n in range(5):
        january_event(title=f"Event {n}", day=1 + n, description="words " * 200)
    plain = client.get("/feeds/events.ics")
    packed = client.get("/feeds/events.ics", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == plain.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 3
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert packed.headers["Cache-Control"] == "public, max-age=300"

    again = client.get(
        "/feeds/events.ics", headers={**GZIP, "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304 and again.headers["ETag"] == packed.headers["ETag"]
    assert again.headers["Vary"] == "Accept-Encoding"
    plain_again = client.get("/feeds/events.ics", headers={"If-None-Match": plain.headers["ETag"]})
    assert plain_again.status_code == 304
    # A plain ETag does not validate the gzip body, nor the other way round.
    crossed = client.get(
        "/feeds/events.ics", headers={**GZIP, "If-None-Match": plain.headers["ETag"]}
    )
    assert crossed.status_code == 200 and crossed.headers["Content-Encoding"] == "gzip"
    refused = client.get("/feeds/events.ics", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_a_304_neither_reads_nor_builds_the_body(january_event, client, monkeypatch):
    january_event()
    etag = client.get("/feeds/events.ics").headers["ETag"]
    cache.forget_memory()  # a worker that never served it: validators from the file
    monkeypatch.setattr(services, "build_feed", lambda *a: pytest.fail("built"))
    monkeypatch.setattr("htpm_events.feeds.views.build_feed", services.build_feed)
    monkeypatch.setattr("builtins.open", lambda *a, **k: pytest.fail("opened a body"))
    assert client.get("/feeds/events.ics", headers={"If-None-Match": etag}).status_code == 304


def test_a_deleted_cache_folder_is_rebuilt(january_event, client):
    january_event()
    first = client.get("/feeds/events.ics")
    packed = client.get("/feeds/events.ics", headers=GZIP)
    folder = cache.folder()
    assert any(folder.iterdir())
    shutil.rmtree(folder)
    again = client.get("/feeds/events.ics")  # the worker still remembers the validators
    assert again.status_code == 200 and again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert client.get("/feeds/events.ics", headers=GZIP).data == packed.data
    assert any(folder.iterdir())


def test_two_hosts_serve_the_same_bytes_and_etags(app, make_app, january_event, tmp_path):
    """Two app instances with their own cache folders on one database stand for two hosts."""
    for n in range(4):
        january_event(title=f"Event {n}", day=1 + n)
    hosts = [make_app(HTPM_FEED_CACHE_DIR=str(tmp_path / name)).test_client() for name in "ab"]
    for headers in ({}, GZIP):
        answers = [host.get("/feeds/events.ics?level=state", headers=headers) for host in hosts]
        assert answers[0].data == answers[1].data
        assert answers[0].headers["ETag"] == answers[1].headers["ETag"]
        assert answers[0].headers["Last-Modified"] == answers[1].headers["Last-Modified"]
    assert (tmp_path / "a").is_dir() and (tmp_path / "b").is_dir()
    # A host that never built a feed answers a 304 to the other's ETag without building.
    etag = hosts[0].get("/feeds/events.ics?level=federal").headers["ETag"]
    third = make_app(HTPM_FEED_CACHE_DIR=str(tmp_path / "c")).test_client()
    cache.forget_memory()
    assert (
        third.get("/feeds/events.ics?level=federal", headers={"If-None-Match": etag}).status_code
        == 304
    )
    assert not (tmp_path / "c").exists()


# --- which ETags a change moves ------------------------------------------------------------

FEEDS = ["", "level=state", "level=federal", "state=TX", "state=CA"]


def etags(client, events) -> dict:
    found = {}
    for query in FEEDS:
        url = "/feeds/events.ics" + (f"?{query}" if query else "")
        found[query] = client.get(url).headers["ETag"]
        found[query + "+gzip"] = client.get(url, headers=GZIP).headers["ETag"]
    for event in events:
        response = client.get(f"/events/{event.id}.ics")
        found[f"event {event.id}"] = response.headers.get("ETag", response.status_code)
    return found


def moved(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def with_gzip(*names: str) -> set[str]:
    return {n for name in names for n in (name, name + "+gzip")}


@pytest.fixture
def calendar(january_event):
    """Three state events (TX, TX, CA) and a federal one, each its own organization."""
    return {
        "tx": january_event(level="state", state="TX", organization="Texas Coalition"),
        "tx2": january_event(level="state", state="TX", day=15, organization="Austin Group"),
        "ca": january_event(level="state", state="CA", organization="California Alliance"),
        "federal": january_event(level="federal", state="", organization="Federal Office"),
    }


def test_an_edit_moves_the_feeds_that_hold_the_event_and_no_other(calendar, client):
    events = list(calendar.values())
    before = etags(client, events)
    event = calendar["ca"]
    event.title = "New title"
    publish(event, bump_sequence=True)
    db.session.commit()
    after = etags(client, events)
    assert moved(before, after) == with_gzip("", "level=state", "state=CA") | {f"event {event.id}"}


def test_an_approval_moves_the_feeds_the_new_event_joins(calendar, client, january_event):
    events = list(calendar.values())
    pending = january_event(status="pending", level="federal", state="", title="New one")
    before = etags(client, events)
    publish(pending)
    db.session.commit()
    assert moved(before, etags(client, events)) == with_gzip("", "level=federal")


def test_a_cancellation_moves_its_feeds_and_its_file(calendar, client):
    events = list(calendar.values())
    before = etags(client, events)
    cancel(calendar["tx"])
    db.session.commit()
    after = etags(client, events)
    assert moved(before, after) == with_gzip("", "level=state", "state=TX") | {
        f"event {calendar['tx'].id}"
    }
    assert b"STATUS:CANCELLED" in client.get(f"/events/{calendar['tx'].id}.ics").data


def test_a_merge_moves_the_feeds_of_both_events(calendar, client, make_user):
    events = list(calendar.values())
    user = make_user()
    before = etags(client, events)
    merge(calendar["tx2"], calendar["ca"], user)
    db.session.commit()
    after = etags(client, events)
    # The duplicate leaves TX's feed; the original's SEQUENCE goes up everywhere it is.
    assert moved(before, after) == with_gzip("", "level=state", "state=TX", "state=CA") | {
        f"event {calendar['tx2'].id}",
        f"event {calendar['ca'].id}",
    }
    assert after[f"event {calendar['tx2'].id}"] == 404


def test_an_organization_rename_moves_the_feeds_of_its_events(calendar, client):
    events = list(calendar.values())
    before = etags(client, events)
    calendar["federal"].organization.name = "Federal Office of Prevention"
    bump_data_version()
    db.session.commit()
    after = etags(client, events)
    assert moved(before, after) == with_gzip("", "level=federal") | {
        f"event {calendar['federal'].id}"
    }
    body = client.get("/feeds/events.ics?level=federal").data
    (item,) = icalendar_parse(body).walk("VEVENT")
    assert "Hosted by: Federal Office of Prevention" in str(item["DESCRIPTION"])


# --- caches and the session ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["/feeds/events.ics", "/feeds/events.atom", "/api/v1/events"])
def test_public_answers_never_vary_on_the_cookie(january_event, client, url):
    january_event()
    response = client.get(url)
    assert response.status_code == 200
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("url", ["/events", "/", "/feeds"])
def test_public_pages_vary_only_on_their_language(january_event, client, url):
    """Pages come in English or Spanish (Accept-Language, or the language cookie once the
    switch was used), so a shared cache keys them on both; the session is never touched."""
    january_event()
    response = client.get(url)
    assert response.status_code == 200
    assert set(response.vary) == {"Accept-Language", "Cookie"}
    assert "Set-Cookie" not in response.headers


def test_feeds_and_api_ignore_a_session_cookie_and_carry_validators(january_event, client):
    event = january_event()
    client.set_cookie("session", "something-else")
    for url in ("/feeds/events.ics", f"/events/{event.id}.ics", "/api/v1/events"):
        response = client.get(url)
        assert "Cookie" not in response.headers.get("Vary", ""), url
        assert response.headers["Cache-Control"].startswith("public"), url
        assert response.headers["ETag"], url
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, url


def test_logged_in_pages_still_vary_on_the_cookie(client, make_user):
    make_user(email="mod@example.org")
    client.post("/login", data={"email": "mod@example.org", "password": "correct horse battery"})
    assert "Cookie" in client.get("/events").headers.get("Vary", "")
