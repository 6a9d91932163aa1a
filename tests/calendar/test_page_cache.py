"""Public pages kept in the worker's memory for anonymous visitors: a repeated request costs
one query, and nobody ever sees a page that is out of date with the data, in another
language, or meant for someone else (a moderator's header, a flashed message)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from htpm_events import pagecache
from htpm_events.events.models import Event
from htpm_events.extensions import db
from htpm_events.timeutil import now_utc

from ..moderation.conftest import log_in
from .conftest import JANUARY, YEAR
from .helpers import agenda_titles

PAGES = ["/", f"/events?{JANUARY}", f"/calendar/{YEAR}/1", "/embed/events", "/api/v1/events"]


@pytest.fixture(autouse=True)
def empty_cache():
    pagecache.forget()
    yield
    pagecache.forget()


@contextmanager
def counted_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def january(title: str, day: int = 13) -> dict:
    return {
        "title": title,
        "start_date": date(YEAR, 1, day),
        "end_date": date(YEAR, 1, day),
        "start_time": time(13),
        "end_time": time(14),
    }


@pytest.mark.parametrize("path", PAGES)
def test_a_repeated_anonymous_request_costs_one_query(app, make_event, path):
    make_event(**january("Vigil"))
    client = app.test_client()
    client.get(path)  # the home page adds the year's key dates on its first view
    first = client.get(path)
    assert first.status_code == 200
    with counted_queries() as statements:
        again = client.get(path)
    assert again.status_code == 200
    assert again.data == first.data
    assert len(statements) == 1, statements  # the data version
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers.get("Vary") == first.headers.get("Vary")


def test_every_public_change_shows_on_the_next_request(app, make_event):
    client = app.test_client()
    make_event(**january("Vigil"))
    assert agenda_titles(client.get(f"/events?{JANUARY}").data) == ["Vigil"]
    make_event(**january("Panel", day=14))
    assert agenda_titles(client.get(f"/events?{JANUARY}").data) == ["Vigil", "Panel"]

    # Changed by any code path, not only the moderation services.
    vigil = db.session.scalar(sa.select(Event).where(Event.title == "Vigil"))
    vigil.title = "Candlelight vigil"
    db.session.commit()
    assert agenda_titles(client.get(f"/events?{JANUARY}").data) == ["Candlelight vigil", "Panel"]
    db.session.delete(vigil)
    db.session.commit()
    assert agenda_titles(client.get(f"/events?{JANUARY}").data) == ["Panel"]


def test_a_pending_submission_does_not_empty_the_cache(app, make_event):
    make_event(**january("Vigil"))
    client = app.test_client()
    client.get(f"/events?{JANUARY}")
    make_event(status="pending", **january("Not yet reviewed"))
    with counted_queries() as statements:
        body = client.get(f"/events?{JANUARY}").data
    assert agenda_titles(body) == ["Vigil"]
    assert len(statements) == 1


def test_a_moderators_page_is_never_served_to_a_visitor_or_the_other_way(
    app, make_event, make_user
):
    make_event(**january("Vigil"))
    make_user("mod@example.org")
    visitor = app.test_client()
    moderator = app.test_client()
    log_in(moderator, "mod@example.org")

    assert b"Log out" not in visitor.get(f"/events?{JANUARY}").data
    assert b"Log out" in moderator.get(f"/events?{JANUARY}").data
    assert b"Log out" not in visitor.get(f"/events?{JANUARY}").data


def test_each_language_is_kept_apart(app, make_event):
    make_event(**january("Vigil"))
    client = app.test_client()
    english = client.get("/events", headers={"Accept-Language": "en"})
    spanish = client.get("/events", headers={"Accept-Language": "es"})
    assert spanish.headers["Content-Language"] == "es"
    assert "Salida rápida" in spanish.get_data(as_text=True)
    assert english.headers["Content-Language"] == "en"
    chosen = app.test_client()
    chosen.set_cookie("hub_lang", "es")
    assert "Salida rápida" in chosen.get("/events").get_data(as_text=True)
    assert "Quick exit" in client.get("/events", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_what_depends_on_the_clock_is_at_most_a_minute_old(app, make_event, monkeypatch):
    make_event(**january("Vigil"))
    client = app.test_client()
    client.get(f"/events?{JANUARY}")
    later = now_utc() + timedelta(seconds=61)
    monkeypatch.setattr(pagecache, "now_utc", lambda: later)
    with counted_queries() as statements:
        client.get(f"/events?{JANUARY}")
    assert len(statements) > 1  # built again


def test_it_can_be_turned_off(app, make_event):
    app.config["HTPM_PAGE_CACHE_SECONDS"] = 0
    make_event(**january("Vigil"))
    client = app.test_client()
    client.get(f"/events?{JANUARY}")
    with counted_queries() as statements:
        client.get(f"/events?{JANUARY}")
    assert len(statements) > 1


def test_building_a_list_costs_the_same_queries_for_5_or_50_events(app, make_event):
    """Every list item shows its organization and languages: loaded with the page's events,
    never one query per item."""
    app.config["HTPM_PAGE_CACHE_SECONDS"] = 0
    client = app.test_client()
    counts = []
    for total in (5, 50):
        while db.session.scalar(sa.select(sa.func.count(Event.id))) < total:
            make_event(languages=["en", "es"], **january("Charla", day=10 + total % 20))
        client.get(f"/events?{JANUARY}")
        with counted_queries() as statements:
            body = client.get(f"/events?{JANUARY}").get_data(as_text=True)
        assert body.count("In English and Spanish") >= total
        counts.append(len(statements))
    assert counts[0] == counts[1]
