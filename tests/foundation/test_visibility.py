"""Who sees what: only approved events, and cancelled ones that had been published."""

import pytest

from htpm_events.events.services import cancel
from htpm_events.extensions import db

PUBLIC_URLS = [
    "/events/{id}",
    "/events/{id}.ics",
    "/api/v1/events/{id}",
    "/events/{id}/register",
]


@pytest.mark.parametrize("status", ["pending", "rejected", "changes-requested"])
def test_unpublished_events_are_invisible_everywhere(client, make_event, status):
    event = make_event(status=status, title="Hidden Submission")
    for url in PUBLIC_URLS:
        assert client.get(url.format(id=event.id)).status_code == 404, url
    for url in (
        "/events?from=2027-01-01",
        "/api/v1/events?from=2027-01-01",
        "/feeds/events.ics?from=2027-01-01",
        "/calendar/2027/1",
        "/embed/events?from=2027-01-01",
    ):
        assert "Hidden Submission" not in client.get(url).get_data(as_text=True), url


def test_a_submission_withdrawn_before_review_never_becomes_public(client, make_event):
    event = make_event(status="pending", title="Withdrawn Submission")
    cancel(event)
    db.session.commit()
    for url in PUBLIC_URLS:
        assert client.get(url.format(id=event.id)).status_code == 404, url
    for url in (
        "/events?from=2027-01-01",
        "/api/v1/events?from=2027-01-01",
        "/feeds/events.ics?from=2027-01-01",
        "/calendar/2027/1",
    ):
        assert "Withdrawn Submission" not in client.get(url).get_data(as_text=True), url


def test_a_published_event_that_is_cancelled_stays_visible_as_cancelled(client, make_event):
    event = make_event(title="Called Off Webinar")
    cancel(event)
    db.session.commit()
    page = client.get(f"/events/{event.id}")
    assert page.status_code == 200
    assert "cancelled" in page.get_data(as_text=True).lower()
    feed = client.get("/feeds/events.ics?from=2027-01-01").get_data(as_text=True)
    assert "STATUS:CANCELLED" in feed
    assert "SUMMARY:Cancelled: Called Off Webinar" in feed
    api = client.get(f"/api/v1/events/{event.id}").get_json()
    assert api["status"] == "cancelled"
