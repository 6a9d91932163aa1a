"""Decisions and what the public sees afterwards."""

import pytest
import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.extensions import db
from htpm_events.moderation.models import AuditEntry


def reload(event_id: int) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event_id)


def public(client, event) -> bool:
    """Whether the public sees the event: its page, and the /events list."""
    page = client.get(f"/events/{event.id}")
    listed = event.title in client.get("/events").get_data(as_text=True)
    assert page.status_code in (200, 404)
    assert listed == (page.status_code == 200)
    return page.status_code == 200


def audit(event_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.event_id == event_id).order_by(AuditEntry.id)
        )
    )


def decide(client, event, decision, reason="", **extra):
    return client.post(
        f"/moderate/events/{event.id}/decision",
        data={"decision": decision, "reason": reason, **extra},
    )


def test_approving_publishes_the_event(mod_client, client, make_event, moderator):
    event = make_event(status="pending", title="Labor Trafficking 101")
    assert not public(client, event)

    response = decide(mod_client, event, "approve")

    assert response.status_code == 302
    assert public(client, event)
    event = reload(event.id)
    assert event.status == "approved" and event.published is not None
    [entry] = audit(event.id)
    assert (entry.action, entry.actor, entry.user_id) == ("approve", moderator.email, moderator.id)


@pytest.mark.parametrize(
    ("decision", "status"), [("reject", "rejected"), ("request-changes", "changes-requested")]
)
def test_reject_and_request_changes_keep_it_hidden_and_keep_the_reason(
    mod_client, client, make_event, decision, status
):
    event = make_event(status="pending", title="Vigil for Survivors")

    response = decide(mod_client, event, decision, "The date is in the wrong year.")

    assert response.status_code == 302
    assert not public(client, event)
    event = reload(event.id)
    assert event.status == status
    assert event.moderation_reason == "The date is in the wrong year."
    [entry] = audit(event.id)
    assert entry.action == decision and entry.reason == "The date is in the wrong year."


@pytest.mark.parametrize("decision", ["reject", "request-changes"])
def test_a_reason_is_required_unless_approving(mod_client, make_event, decision):
    event = make_event(status="pending")

    response = decide(mod_client, event, decision, "   ")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Give a reason: it is required unless you approve." in page
    assert 'id="reason-error"' in page and 'aria-invalid="true"' in page
    assert reload(event.id).status == "pending"
    assert audit(event.id) == []


def test_an_unknown_decision_is_refused(mod_client, make_event):
    event = make_event(status="pending")
    response = decide(mod_client, event, "publish-it-anyway", "x")
    assert response.status_code == 400
    assert reload(event.id).status == "pending"


def test_rejecting_a_published_event_takes_it_down(mod_client, client, make_event):
    event = make_event(status="approved", title="Spam Listing")
    assert public(client, event)
    sequence = event.sequence

    assert decide(mod_client, event, "reject", "Not an HTPM event.").status_code == 302

    assert not public(client, event)
    assert reload(event.id).sequence == sequence + 1


def test_after_a_decision_the_next_item_opens(mod_client, make_event):
    first = make_event(status="pending", title="First Submission")
    second = make_event(status="pending", title="Second Submission")

    response = decide(mod_client, first, "approve")
    assert response.headers["Location"] == f"/moderate/events/{second.id}"
    page = mod_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Approved “First Submission”." in page

    response = decide(mod_client, second, "approve")
    assert response.headers["Location"] == "/moderate"
    assert "The queue is empty." in mod_client.get("/moderate").get_data(as_text=True)


def test_approving_twice_is_refused_with_a_message(mod_client, make_event):
    event = make_event(status="approved")
    response = decide(mod_client, event, "approve")
    assert response.status_code == 409
    assert "already published" in response.get_data(as_text=True)


def test_unknown_event_is_404(mod_client):
    assert mod_client.get("/moderate/events/999999").status_code == 404
    assert decide(mod_client, type("E", (), {"id": 999999}), "approve").status_code == 404


# --- held changes ----------------------------------------------------------------------------


def test_approving_a_held_change_publishes_it_and_bumps_the_sequence(
    mod_client, client, make_event, hold_change
):
    event = make_event(status="approved", title="Old Title", cost="")
    revision = hold_change(event, title="New Title", cost="$10")
    assert "Old Title" in client.get(f"/events/{event.id}").get_data(as_text=True)

    review = mod_client.get(f"/moderate/events/{event.id}").get_data(as_text=True)
    assert "What the change does" in review
    assert "<del>Old Title</del>" in review and "<ins>New Title</ins>" in review
    assert "<ins>$10</ins>" in review

    response = decide(mod_client, event, "approve", revision=revision.id)

    assert response.status_code == 302
    event = reload(event.id)
    assert event.title == "New Title" and event.cost == "$10"
    assert event.sequence == 1
    assert event.revisions[0].status == "applied"
    assert "New Title" in client.get(f"/events/{event.id}").get_data(as_text=True)
    [entry] = audit(event.id)
    assert entry.action == "approve"
    assert entry.details == {"change": revision.id, "fields": ["title", "cost"]}


def test_rejecting_a_held_change_keeps_the_published_version(
    mod_client, client, make_event, hold_change
):
    event = make_event(status="approved", title="Old Title")
    hold_change(event, title="Shouty NEW TITLE!!!")

    response = decide(mod_client, event, "reject", "Please keep the title factual.")

    assert response.status_code == 302
    event = reload(event.id)
    assert event.status == "approved" and event.title == "Old Title"
    assert event.sequence == 0
    assert event.revisions[0].status == "rejected"
    assert "Old Title" in client.get(f"/events/{event.id}").get_data(as_text=True)


def test_a_decision_on_a_change_that_was_replaced_meanwhile_is_refused(
    mod_client, make_event, hold_change
):
    event = make_event(status="approved", title="Old Title")
    seen = hold_change(event, title="Seen Title")
    seen.status = "rejected"
    db.session.commit()
    hold_change(event, title="Newer Title")

    response = decide(mod_client, event, "approve", revision=seen.id)

    assert response.status_code == 409
    assert reload(event.id).title == "Old Title"


# --- other actions -----------------------------------------------------------------------------


def test_unpublish_takes_it_off_and_back_into_the_queue(mod_client, client, make_event):
    event = make_event(status="approved", title="Needs Another Look")

    refused = mod_client.post(f"/moderate/events/{event.id}/unpublish", data={"reason": ""})
    assert refused.status_code == 400 and public(client, event)

    response = mod_client.post(
        f"/moderate/events/{event.id}/unpublish", data={"reason": "Organizer asked us to check."}
    )

    assert response.status_code == 302
    assert not public(client, event)
    assert "Needs Another Look" in mod_client.get("/moderate").get_data(as_text=True)
    assert [e.action for e in audit(event.id)] == ["unpublish"]


def test_cancel_keeps_the_page_with_a_cancelled_banner(mod_client, client, make_event):
    event = make_event(status="approved", title="Storm Cancelled Walk")

    response = mod_client.post(
        f"/moderate/events/{event.id}/cancel", data={"reason": "Winter storm."}
    )

    assert response.status_code == 302
    page = client.get(f"/events/{event.id}")
    assert page.status_code == 200 and "cancelled" in page.get_data(as_text=True).lower()
    event = reload(event.id)
    assert event.status == "cancelled" and event.sequence == 1
    [entry] = audit(event.id)
    assert (entry.action, entry.reason) == ("cancel", "Winter storm.")


def test_feature_and_unfeature(mod_client, make_event):
    event = make_event(status="approved")
    assert (
        mod_client.post(f"/moderate/events/{event.id}/feature", data={"on": "y"}).status_code == 302
    )
    assert reload(event.id).featured is True
    assert mod_client.post(f"/moderate/events/{event.id}/feature", data={}).status_code == 302
    assert reload(event.id).featured is False
    assert [e.action for e in audit(event.id)] == ["feature", "unfeature"]


# --- bulk --------------------------------------------------------------------------------------


def test_bulk_approve_publishes_every_selected_item(mod_client, client, make_event):
    picked = [make_event(status="pending", title=f"Bulk Event {n}") for n in range(3)]
    left = make_event(status="pending", title="Not Selected")

    response = mod_client.post(
        "/moderate/bulk", data={"items": [e.id for e in picked], "decision": "approve"}
    )

    assert response.status_code == 302
    assert "Approved 3 items." in mod_client.get("/moderate").get_data(as_text=True)
    for event in picked:
        assert public(client, event)
        assert [e.action for e in audit(event.id)] == ["approve"]
    assert not public(client, left)


def test_bulk_reject_needs_a_reason_and_a_selection(mod_client, make_event):
    event = make_event(status="pending")

    no_reason = mod_client.post("/moderate/bulk", data={"items": [event.id], "decision": "reject"})
    nothing = mod_client.post("/moderate/bulk", data={"decision": "approve"})

    assert no_reason.status_code == 400
    assert "Give a reason" in no_reason.get_data(as_text=True)
    assert nothing.status_code == 400
    assert "Select at least one item." in nothing.get_data(as_text=True)
    assert reload(event.id).status == "pending"


def test_bulk_reject_with_a_reason(mod_client, make_event):
    events = [make_event(status="pending", title=f"Dup {n}") for n in range(2)]
    response = mod_client.post(
        "/moderate/bulk",
        data={"items": [e.id for e in events], "decision": "reject", "reason": "Test entries."},
    )
    assert response.status_code == 302
    for event in events:
        event = reload(event.id)
        assert (event.status, event.moderation_reason) == ("rejected", "Test entries.")


# --- feeds and API, where they exist -------------------------------------------------------------


def test_decisions_show_in_the_api_and_the_feed(app, mod_client, client, make_event):
    kept = make_event(status="pending", title="Approved Through The Queue")
    dropped = make_event(status="pending", title="Rejected Through The Queue")
    decide(mod_client, kept, "approve")
    decide(mod_client, dropped, "reject", "Not public.")

    api = client.get("/api/v1/events").get_json()
    titles = {item["title"] for item in api["events"]}
    feed = client.get("/feeds/events.ics").get_data(as_text=True)

    assert "Approved Through The Queue" in titles
    assert "Rejected Through The Queue" not in titles
    assert "Approved Through The Queue" in feed
    assert "Rejected Through The Queue" not in feed
    assert client.get(f"/api/v1/events/{dropped.id}").status_code == 404
