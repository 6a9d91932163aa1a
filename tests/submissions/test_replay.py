"""The one-time form key: a double-clicked or replayed POST of the submission, edit or cancel
form leads to the first POST's result and never does the work twice, whether the two POSTs
come one after the other or at the same moment (a real server, SQLite and PostgreSQL)."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request

import sqlalchemy as sa

from htpm_events.events.models import EventRevision
from htpm_events.events.services import publish
from htpm_events.extensions import db
from htpm_events.moderation.models import AuditEntry

from ..conftest import LiveServer
from .helpers import events, field_error, form, manage_path


def replay_key(html: str) -> str:
    found = re.search(r'<input[^>]*name="replay_key"[^>]*value="([^"]*)"', html)
    assert found, "the form carries no one-time key"
    return found.group(1)


def form_page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def actions(action: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


# --- one after the other -----------------------------------------------------------------


def test_a_double_clicked_submission_makes_one_event_and_shows_its_link_again(client):
    data = form(title="Double click")
    data["replay_key"] = replay_key(form_page(client, "/submit"))

    first = client.post("/submit", data=data)
    assert first.status_code == 303
    first_link = manage_path(client.get("/submit/thanks").get_data(as_text=True))

    second = client.post("/submit", data=data)
    assert second.status_code == 303
    assert second.headers["Location"].endswith("/submit/thanks")
    assert manage_path(client.get("/submit/thanks").get_data(as_text=True)) == first_link
    assert [e.title for e in events()] == ["Double click"]
    assert actions("submit") == 1


def test_every_form_page_has_its_own_key_and_a_new_form_makes_a_new_event(client):
    one, two = (replay_key(form_page(client, "/submit")) for _ in range(2))
    assert one != two
    for key in (one, two):
        assert client.post("/submit", data={**form(), "replay_key": key}).status_code == 303
    assert len(events()) == 2


def test_a_preview_or_an_error_keeps_the_key_and_does_not_use_it(client):
    key = replay_key(form_page(client, "/submit"))
    preview = client.post("/submit", data={**form(), "replay_key": key, "preview": "1"})
    assert preview.status_code == 200 and replay_key(preview.get_data(as_text=True)) == key
    bad = client.post("/submit", data={**form(title=""), "replay_key": key})
    assert bad.status_code == 400 and replay_key(bad.get_data(as_text=True)) == key
    assert events() == []
    assert client.post("/submit", data={**form(), "replay_key": key}).status_code == 303
    assert len(events()) == 1


def test_the_same_key_with_other_content_saves_nothing_and_says_so(client):
    """The browser's Back button brings the sent form back with its key: a changed form sent
    again is not taken for the first one, and sending it once more saves it."""
    key = replay_key(form_page(client, "/submit"))
    assert (
        client.post("/submit", data={**form(title="First"), "replay_key": key}).status_code == 303
    )
    response = client.post("/submit", data={**form(title="Second"), "replay_key": key})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "already sent once" in page
    fresh = replay_key(page)
    assert fresh != key
    assert [e.title for e in events()] == ["First"]
    again = client.post("/submit", data={**form(title="Second"), "replay_key": fresh})
    assert again.status_code == 303
    assert [e.title for e in events()] == ["First", "Second"]


def test_a_damaged_key_is_a_field_message_not_a_500(client):
    response = client.post("/submit", data={**form(), "replay_key": "not a key!"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The form key is damaged" in page
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", replay_key(page))  # a fresh one to send again
    assert events() == []


def test_a_double_clicked_edit_is_saved_once(client):
    client.post("/submit", data=form())
    path = manage_path(client.get("/submit/thanks").get_data(as_text=True))
    [event] = events()
    publish(event)
    db.session.commit()
    data = {
        **form(title="Changed title"),
        "replay_key": replay_key(form_page(client, path + "/edit")),
    }
    for _ in range(2):
        response = client.post(path + "/edit", data=data)
        assert response.status_code == 303
        assert "waiting for review" in client.get(path).get_data(as_text=True)
    assert actions("edit") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventRevision)) == 1


def test_a_double_clicked_cancel_is_done_once_and_says_so_both_times(client):
    client.post("/submit", data=form())
    path = manage_path(client.get("/submit/thanks").get_data(as_text=True))
    data = {"confirm": "y", "replay_key": replay_key(form_page(client, path))}
    for _ in range(2):
        response = client.post(path + "/cancel", data=data)
        assert response.status_code == 303
        assert "The event is cancelled." in client.get(path).get_data(as_text=True)
    assert actions("cancel") == 1


def test_a_cancel_without_the_tick_keeps_its_key_field_message(client):
    client.post("/submit", data=form())
    path = manage_path(client.get("/submit/thanks").get_data(as_text=True))
    response = client.post(path + "/cancel", data={"replay_key": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_error(page, "confirm").startswith("Tick the box")
    assert actions("cancel") == 0


# --- at the same moment, against a real server ------------------------------------------


def post_together(url: str, body: dict, copies: int = 4) -> list[tuple[int, str]]:
    """POST the same form ``copies`` times at once, each from its own browser (cookie jar);
    returns each one's final status and page (redirects followed, as a browser does)."""
    encoded = urllib.parse.urlencode(body, doseq=True).encode()
    start = threading.Barrier(copies)
    results: list[tuple[int, str]] = []

    def send():
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        start.wait()
        try:
            with opener.open(url, data=encoded, timeout=60) as response:
                results.append((response.status, response.read().decode()))
        except urllib.error.HTTPError as error:
            results.append((error.code, error.read().decode()))

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_simultaneous_identical_submissions_make_one_event(make_app):
    app = make_app()
    server = LiveServer(app).start()
    try:
        with app.test_client() as browser:
            key = replay_key(form_page(browser, "/submit"))
        results = post_together(f"{server.url}/submit", {**form(title="Same"), "replay_key": key})
    finally:
        server.stop()
    assert [status for status, _ in results] == [200] * 4
    # Every copy lands on the first submission's thank-you page with its manage link.
    assert len({manage_path(page) for _, page in results}) == 1
    with app.app_context():
        assert [e.title for e in events()] == ["Same"]
        assert actions("submit") == 1
        db.session.remove()


def test_simultaneous_cancels_cancel_once(make_app):
    app = make_app()
    with app.app_context(), app.test_client() as browser:
        browser.post("/submit", data=form())
        path = manage_path(browser.get("/submit/thanks").get_data(as_text=True))
        key = replay_key(form_page(browser, path))
        db.session.remove()
    server = LiveServer(app).start()
    try:
        results = post_together(f"{server.url}{path}/cancel", {"confirm": "y", "replay_key": key})
    finally:
        server.stop()
    assert [status for status, _ in results] == [200] * 4
    assert all("The event is cancelled." in page for _, page in results)
    with app.app_context():
        assert actions("cancel") == 1
        db.session.remove()
