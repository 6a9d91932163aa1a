"""HTTP behaviour of the feeds: headers, 304s, bad filters, the per-event file, and a feed
that stays fresh and cached across workers sharing one database."""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.events.services import publish
from htpm_events.extensions import db
from htpm_events.feeds import cache, services
from htpm_events.feeds.models import FeedCache

from .parsers import icalendar_parse


def uids(body: bytes) -> set[str]:
    return {str(e["UID"]) for e in icalendar_parse(body).walk("VEVENT")}


def test_feed_headers(january_event, client):
    january_event()
    response = client.get("/feeds/events.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Encoding" not in response.headers  # only to a client that asks for gzip
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('"')
    assert response.last_modified is not None


def test_unchanged_feed_answers_304_to_its_etag_and_its_date(january_event, client):
    january_event()
    first = client.get("/feeds/events.ics?level=state")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    again = client.get("/feeds/events.ics?level=state", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    by_date = client.get("/feeds/events.ics?level=state", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    # A different ETag wins over a matching date (RFC 9110 §13.1.3).
    other = client.get(
        "/feeds/events.ics?level=state",
        headers={"If-None-Match": '"something-else"', "If-Modified-Since": modified},
    )
    assert other.status_code == 200 and other.data == first.data


def test_a_published_change_gives_new_bytes_and_a_new_etag(january_event, client):
    january_event(title="First")
    first = client.get("/feeds/events.ics")
    second_event = january_event(title="Second", day=20)
    response = client.get("/feeds/events.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert response.headers["ETag"] != first.headers["ETag"]
    assert second_event.uid in uids(response.data)


@pytest.mark.parametrize(
    "query, named",
    [
        ("level=galactic", "galactic"),
        ("state=ZZ", "ZZ"),
        ("topic=unicorns", "unicorns"),
        ("from=2026-13-45", "2026-13-45"),
        ("free=maybe", "maybe"),
    ],
)
def test_unknown_filter_values_answer_400_naming_them(client, query, named):
    for path in ("/feeds/events.ics", "/feeds/events.atom"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert named in response.get_json()["message"]


def test_filters_choose_the_events(january_event, feed):
    federal = january_event(level="federal", state="", topics=["awareness"])
    california = january_event(level="state", state="CA", topics=["child-trafficking"])
    texas = january_event(level="local", state="TX", topics=["awareness", "immigration"])
    assert uids(feed("level=federal")) == {federal.uid}
    assert uids(feed("state=CA&state=TX")) == {california.uid, texas.uid}
    assert uids(feed("state=ca,tx&level=local")) == {texas.uid}
    assert uids(feed("topic=awareness")) == {federal.uid, texas.uid}
    assert uids(feed("topic=awareness&level=state")) == set()


def test_default_window_starts_30_days_back_and_from_widens_it(make_event, feed, days_from_today):
    recent = make_event(start_date=days_from_today(-20), end_date=days_from_today(-20))
    old = make_event(start_date=days_from_today(-40), end_date=days_from_today(-40))
    coming = make_event(start_date=days_from_today(200), end_date=days_from_today(200))
    assert uids(feed()) == {recent.uid, coming.uid}
    wide = feed(f"from={days_from_today(-60)}")
    assert uids(wide) == {recent.uid, old.uid, coming.uid}
    assert uids(feed(f"from={days_from_today(-60)}&to={days_from_today(-30)}")) == {old.uid}


def test_feed_is_built_once_then_served_from_the_cache(january_event, client, monkeypatch):
    january_event()
    builds = []
    real = services.build_feed
    monkeypatch.setattr(services, "build_feed", lambda *a: builds.append(1) or real(*a))
    monkeypatch.setattr("htpm_events.feeds.views.build_feed", services.build_feed)
    bodies = {client.get("/feeds/events.ics?level=state").data for _ in range(3)}
    assert len(builds) == 1 and len(bodies) == 1
    cache.forget_memory()  # another worker of this host: the file is there
    assert client.get("/feeds/events.ics?level=state").data in bodies
    assert len(builds) == 1
    rows = db.session.execute(sa.select(FeedCache.key, FeedCache.etag)).all()
    assert len(rows) == 1  # the database keeps the validators only


def test_feed_served_by_one_worker_reflects_an_approval_made_through_another(
    app, make_app, january_event
):
    """Two app instances on one database stand for two gunicorn workers (or hosts)."""
    other = make_app()
    reader = other.test_client()
    pending = january_event(status="pending", title="Awaiting review")
    before = reader.get("/feeds/events.ics")
    assert pending.uid not in uids(before.data)

    publish(pending)  # the moderator's approval, through the first app
    db.session.commit()

    after = reader.get("/feeds/events.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # the old ETag no longer matches
    assert pending.uid in uids(after.data)
    again = app.test_client().get("/feeds/events.ics")
    assert again.data == after.data and again.headers["ETag"] == after.headers["ETag"]


def test_stale_cache_row_of_an_older_version_is_rebuilt(january_event, client):
    event = january_event(title="Original")
    client.get("/feeds/events.ics")
    # Another worker bumped the version without this process noticing anything else.
    event.title = "Renamed"
    publish(event, bump_sequence=True)
    db.session.commit()
    assert b"SUMMARY:Renamed" in client.get("/feeds/events.ics").data


# --- one event's file --------------------------------------------------------------------------


def test_event_file_is_an_attachment_named_after_the_event(january_event, client):
    event = january_event(title="Recognizing Labor Trafficking: A Webinar")
    response = client.get(f"/events/{event.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="recognizing-labor-trafficking-a-webinar.ics"'
    )
    assert uids(response.data) == {event.uid}
    again = client.get(
        f"/events/{event.id}.ics", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_event_file_is_404_for_on_demand_hidden_and_unknown_events(january_event, client):
    on_demand = january_event(format="on-demand", start_time=None, end_time=None)
    pending = january_event(status="pending")
    rejected = january_event(status="rejected")
    for event_id in (on_demand.id, pending.id, rejected.id, 999999):
        assert client.get(f"/events/{event_id}.ics").status_code == 404


def test_cancelled_event_file_says_cancelled(january_event, client):
    from htpm_events.events.services import cancel

    event = january_event(title="Walk")
    cancel(event)
    db.session.commit()
    body = client.get(f"/events/{event.id}.ics").data
    assert b"STATUS:CANCELLED" in body and b"SUMMARY:Cancelled: Walk" in body


def test_window_days_are_the_event_own_local_days(january_event, days_from_today):
    """An event on a Honolulu day belongs to that day, though it ends the next UTC day."""
    from htpm_events.feeds.services import in_window

    event = january_event(
        start_date=days_from_today(-30),
        end_date=days_from_today(-30),
        start_time=time(20),
        end_time=time(21),  # 06:00–07:00 UTC the next day
        timezone="Pacific/Honolulu",
    )
    event = db.session.get(Event, event.id)
    assert in_window(event, days_from_today(-30), None)
    assert not in_window(event, days_from_today(-29), None)
    assert in_window(event, days_from_today(-31), days_from_today(-30))
    assert not in_window(event, days_from_today(-60), days_from_today(-31))


def test_cache_validators_never_go_back_to_an_older_version(app):
    from datetime import UTC, datetime

    when = datetime(2027, 1, 1, tzinfo=UTC)
    newer, older = cache.Version(7, when), cache.Version(6, when)
    cache._record("k" * 64, newer, cache.Entry('"new"', when))
    cache._record("k" * 64, older, cache.Entry('"old"', when))  # a slow worker finishing late
    row = db.session.get(FeedCache, "k" * 64)
    assert (row.data_version, row.etag) == (7, '"new"')
