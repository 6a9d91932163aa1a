"""The counted registration link-out (/events/<id>/register) and the embeddable widget."""

from __future__ import annotations

import threading
import urllib.request
from datetime import UTC, date, datetime

import sqlalchemy as sa

from htpm_events.events.services import cancel
from htpm_events.extensions import db
from htpm_events.registration.models import RegisterClick

from ..conftest import LiveServer
from .conftest import JANUARY, YEAR
from .helpers import parse


def clicks(event_id: int) -> dict:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(RegisterClick.day, RegisterClick.count).where(RegisterClick.event_id == event_id)
    )
    return dict(rows.all())


def test_external_registration_redirects_and_counts_one_click_per_follow(client, make_event):
    event = make_event(start_date=date(YEAR, 1, 14), end_date=date(YEAR, 1, 14))
    for _ in range(3):
        response = client.get(f"/events/{event.id}/register")
        assert response.status_code == 302
        assert response.headers["Location"] == "https://example.org/register/labor"
        assert response.headers["Cache-Control"] == "no-store"
    assert client.head(f"/events/{event.id}/register").status_code == 302  # not a click
    assert clicks(event.id) == {datetime.now(UTC).date(): 3}


def test_after_the_deadline_registration_is_closed_and_nothing_is_counted(client, make_event):
    event = make_event(registration_deadline=datetime(2026, 1, 5, 12, 0),
                       start_date=date(YEAR, 1, 14), end_date=date(YEAR, 1, 14))  # fmt: skip
    response = client.get(f"/events/{event.id}/register")
    assert response.status_code == 200
    doc = parse(response.data)
    assert doc.find("h1").text == "Registration closed"
    assert "deadline has passed" in doc.find("main").text
    assert "https://example.org/register/labor" not in response.get_data(as_text=True)
    assert clicks(event.id) == {}


def test_once_the_event_has_started_registration_is_closed(client, make_event):
    event = make_event(start_date=date(2026, 1, 14), end_date=date(2026, 1, 14))
    response = client.get(f"/events/{event.id}/register")
    assert response.status_code == 200
    assert "already started" in parse(response.data).find("main").text
    assert clicks(event.id) == {}


def test_a_cancelled_event_takes_no_registrations(client, make_event):
    event = make_event(start_date=date(YEAR, 1, 14), end_date=date(YEAR, 1, 14))
    cancel(event)
    db.session.commit()
    response = client.get(f"/events/{event.id}/register")
    assert response.status_code == 200 and b"has been cancelled" in response.data


def test_no_registration_is_a_404_and_hub_registration_shows_the_hubs_form(client, make_event):
    none = make_event(registration_mode="none", registration_url="")
    assert client.get(f"/events/{none.id}/register").status_code == 404
    hub = make_event(registration_mode="hub", registration_url="", capacity=20,
                     start_date=date(YEAR, 1, 14), end_date=date(YEAR, 1, 14))  # fmt: skip
    response = client.get(f"/events/{hub.id}/register")
    assert response.status_code == 200
    doc = parse(response.data)
    assert doc.find("h1").text == f"Register: {hub.title}"
    assert doc.find("form", action=f"/events/{hub.id}/register") is not None
    assert clicks(hub.id) == {}  # the hub's own form is not a link-out


def test_simultaneous_clicks_are_all_counted(make_app):
    """Twelve follow-throughs at the same moment against a real server, on SQLite and on
    PostgreSQL (the ``database_url`` parameters): none lost, none doubled."""
    live_server = LiveServer(make_app()).start()
    try:
        follow_together(live_server)
    finally:
        live_server.stop()


def follow_together(live_server):
    from htpm_events.events.models import Event
    from htpm_events.events.services import apply_data, publish
    from tests.builders import event_data

    with live_server.app.app_context():
        event = Event(source="form")
        apply_data(event, event_data(start_date=date(YEAR, 1, 14), end_date=date(YEAR, 1, 14)))
        db.session.add(event)
        publish(event)
        db.session.commit()
        event_id = event.id

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    statuses = []

    def follow():
        try:
            opener.open(f"{live_server.url}/events/{event_id}/register", timeout=30)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=follow) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 12
    with live_server.app.app_context():
        total = db.session.scalar(
            sa.select(sa.func.sum(RegisterClick.count)).where(RegisterClick.event_id == event_id)
        )
        db.session.remove()
    assert total == 12


# --- the widget ------------------------------------------------------------------------------


def test_only_embed_pages_may_be_framed(client, catalog):
    embed = client.get(f"/embed/events?{JANUARY}")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    for path in ("/", "/events", f"/calendar/{YEAR}/1", f"/events/{catalog['walk'].id}"):
        page = client.get(path)
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_the_widget_is_a_compact_filtered_list_opening_links_in_a_new_tab(client, catalog):
    doc = parse(client.get(f"/embed/events?{JANUARY}&level=state&level=tribal").data)
    titles = [li.find("a").text for li in doc.find_all("ul", cls="embed-events")[0].find_all("li")]
    assert titles == ["Kentucky Awareness Walk"]
    events = [
        li.find("a") for ul in doc.find_all("ul", cls="embed-events") for li in ul.find_all("li")
    ]
    assert [a.text for a in events] == ["Kentucky Awareness Walk", "Tribal Healing Training"]
    for link in doc.find_all("a"):
        if link.get("href", "").startswith("http"):
            assert link.get("target") in ("_blank", "_top")
            if link.get("target") == "_blank":
                assert "noopener" in link.get("rel", "")
    assert doc.find("nav") is None  # no site navigation
    assert "1-888-373-7888" in doc.find(cls="embed-hotline").text
    more = doc.find("p", cls="embed-more").find("a").get("href")
    assert more.startswith("http://localhost/events?") and "level=state" in more


def test_the_widget_refuses_bad_filters(client):
    response = client.get("/embed/events?level=galactic")
    assert response.status_code == 400 and b"galactic" in response.data
