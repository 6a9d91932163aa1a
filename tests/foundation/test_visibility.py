"""Who sees what: only approved events, and cancelled ones that had been published."""

import pytest

from htpm_events.events.services import cancel
from htpm_events.extensions import db

from ..builders import default_day
from ..feeds.parsers import property_texts

PUBLIC_URLS = [
    "/events/{id}",
    "/events/{id}.ics",
    "/api/v1/events/{id}",
    "/events/{id}/register",
]


def list_urls() -> list[str]:
    year = default_day().year
    return [
        f"/events?from={year}-01-01",
        f"/api/v1/events?from={year}-01-01",
        f"/feeds/events.ics?from={year}-01-01",
        f"/calendar/{year}/1",
        f"/embed/events?from={year}-01-01",
    ]


def assert_listed_without(client, shown: str, hidden: str) -> None:
    """Every public list answers 200 and shows ``shown`` (so a check for ``hidden`` cannot
    pass on an error page or an empty list) and not ``hidden`` (feeds parsed, not grepped)."""
    for url in list_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        if url.startswith("/feeds/"):
            text = "\n".join(property_texts(response.data))
        assert shown in text, url
        assert hidden not in text, url


@pytest.mark.parametrize("status", ["pending", "rejected", "changes-requested"])
def test_unpublished_events_are_invisible_everywhere(client, make_event, status):
    make_event(title="Published Neighbour")
    event = make_event(status=status, title="Hidden Submission")
    for url in PUBLIC_URLS:
        assert client.get(url.format(id=event.id)).status_code == 404, url
    assert_listed_without(client, "Published Neighbour", "Hidden Submission")


def test_a_submission_withdrawn_before_review_never_becomes_public(client, make_event):
    make_event(title="Published Neighbour")
    event = make_event(status="pending", title="Withdrawn Submission")
    cancel(event)
    db.session.commit()
    for url in PUBLIC_URLS:
        assert client.get(url.format(id=event.id)).status_code == 404, url
    assert_listed_without(client, "Published Neighbour", "Withdrawn Submission")


def test_a_published_event_that_is_cancelled_stays_visible_as_cancelled(client, make_event):
    event = make_event(title="Called Off Webinar")
    cancel(event)
    db.session.commit()
    page = client.get(f"/events/{event.id}")
    assert page.status_code == 200
    assert "cancelled" in page.get_data(as_text=True).lower()
    feed = client.get(f"/feeds/events.ics?from={default_day().year}-01-01").get_data(as_text=True)
    assert "STATUS:CANCELLED" in feed
    assert "SUMMARY:Cancelled: Called Off Webinar" in feed
    api = client.get(f"/api/v1/events/{event.id}").get_json()
    assert api["status"] == "cancelled"
