"""Rate limits guard the forms people send (submission, login, registration, the
organizer's and attendee's actions; SPEC §11) and nothing else:
feeds, the API, pages and static files are never throttled; HTPM_RATELIMITS=off turns
them off."""

from __future__ import annotations

import pytest

from htpm_events.extensions import limiter

from ..submissions.helpers import form

LIMITED = {
    "htpm_events.submissions.views.submit",
    "htpm_events.submissions.batch.batch",
    "htpm_events.submissions.views.edit",
    "htpm_events.submissions.views.cancel",
    "htpm_events.accounts.views.login",
    "htpm_events.calendar.register.register",  # its POST: the hub's registration form
    "htpm_events.registration.views.attendee",
    "htpm_events.registration.views.remove",
    "htpm_events.registration.views.message",
}


@pytest.fixture
def limited(make_app):
    app = make_app(HTPM_RATELIMITS="on")
    limiter.reset()
    yield app
    limiter.reset()


def test_only_the_forms_have_limits(limited):
    assert limited.config["RATELIMIT_ENABLED"]
    manager = limiter.limit_manager
    assert not manager._default_limits and not manager._application_limits
    assert not any(manager._blueprint_limits.values())
    named = {name.rsplit(".", 1)[0] for name, limits in manager._decorated_limits.items() if limits}
    assert named == LIMITED


def test_reading_is_never_throttled(limited, published):
    event, token = published
    client = limited.test_client()
    paths = [
        "/feeds/events.ics",
        "/feeds/events.atom",
        "/api/v1/events",
        f"/api/v1/events/{event.id}",
        "/static/hub.css",
        "/events",
        f"/events/{event.id}",
        f"/events/{event.id}/register",
        "/embed/events",
        "/submit",
        "/login",
        f"/manage/{token}",
    ]
    for path in paths:
        for _ in range(130):  # more than any limit in the app (120 an hour)
            response = client.get(path)
            response.close()
            assert response.status_code != 429, path


def test_the_submission_form_is_limited_with_limits_on(limited):
    client = limited.test_client()
    codes = [client.post("/submit", data=form(title="")).status_code for _ in range(121)]
    assert codes[:120] == [400] * 120  # mistakes count towards 120 attempts an hour
    assert codes[120] == 429


def test_limits_off_means_off(make_app):
    app = make_app(HTPM_RATELIMITS="off")
    limiter.reset()
    client = app.test_client()
    for _ in range(25):
        response = client.post("/login", data={"email": "x@example.org", "password": "x"})
        assert response.status_code == 401
    for _ in range(3):
        assert client.post("/submit", data=form(title="")).status_code == 400
