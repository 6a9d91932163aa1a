"""The review page in every state an event can be in, and decisions that do not apply."""

import re
from datetime import date, datetime

from htpm_events.events.models import Event, EventRevision
from htpm_events.events.services import form_data, revision_payload
from htpm_events.extensions import db

from ..builders import day_text, next_january


def page(client, event) -> str:
    response = client.get(f"/moderate/events/{event.id}")
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def test_a_merged_duplicate_says_where_it_went_and_offers_no_decision(mod_client, make_event):
    original = make_event(status="approved", title="Same Walk")
    copy = make_event(status="pending", title="Same Walk", organization="Other Org")
    mod_client.post(f"/moderate/events/{copy.id}/merge", data={"into": original.id})

    text = page(mod_client, copy)

    assert f"Merged into #{original.id} Same Walk" in re.sub(r"<[^>]+>", "", text)
    assert 'id="decision-form"' not in text
    refused = mod_client.post(f"/moderate/events/{copy.id}/decision", data={"decision": "approve"})
    assert refused.status_code == 409
    assert "merged into event" in refused.get_data(as_text=True)


def test_a_cancelled_event_can_only_be_looked_at(mod_client, make_event):
    event = make_event(status="cancelled", title="Called Off")
    assert 'id="decision-form"' not in page(mod_client, event)
    refused = mod_client.post(
        f"/moderate/events/{event.id}/decision", data={"decision": "reject", "reason": "x"}
    )
    assert refused.status_code == 409
    cancel_again = mod_client.post(f"/moderate/events/{event.id}/cancel", data={"reason": "x"})
    assert cancel_again.status_code == 409
    assert "Only a published event can be cancelled." in cancel_again.get_data(as_text=True)


def test_a_held_change_that_no_longer_validates_can_be_rejected_not_approved(
    mod_client, make_event
):
    event = make_event(status="approved", title="Published")
    data = revision_payload({**form_data(event), "title": "Changed"})
    data["level"] = "galactic"
    db.session.add(EventRevision(event=event, data=data))
    db.session.commit()

    assert "no longer passes the form's checks" in page(mod_client, event)
    approve = mod_client.post(f"/moderate/events/{event.id}/decision", data={"decision": "approve"})
    assert approve.status_code == 409
    reject = mod_client.post(
        f"/moderate/events/{event.id}/decision",
        data={"decision": "reject", "reason": "Please submit it again."},
    )
    assert reject.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.title == "Published" and event.revisions[0].status == "rejected"


def test_bulk_approve_applies_held_changes_too(mod_client, make_event, hold_change):
    event = make_event(status="approved", title="Before")
    hold_change(event, title="After")
    mod_client.post("/moderate/bulk", data={"items": [event.id], "decision": "approve"})
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert (event.title, event.sequence) == ("After", 1)


def test_the_organizations_page_counts_events_by_status(mod_client, make_event):
    make_event(status="approved", organization="Counting Org")
    make_event(status="approved", organization="Counting Org")
    make_event(status="pending", organization="Counting Org")
    response = mod_client.get("/moderate/organizations?q=counting")
    text = " ".join(response.get_data(as_text=True).split())
    assert "Counting Org" in text
    assert "<td>2</td><td>1</td><td>0</td><td>0</td><td>0</td>" in text.replace(
        "</td> <td>", "</td><td>"
    )
    assert "Kentucky Coalition" not in text


def test_the_deadline_is_shown_in_the_events_local_time_and_zone(mod_client, client, make_event):
    """17:00 in Los Angeles is 01:00 UTC the next day: the review page says what the
    organizer typed and the public page shows, not the UTC instant."""
    year = next_january()
    event = make_event(timezone="America/Los_Angeles",
                       registration_deadline=datetime(year, 1, 10, 17, 0))  # fmt: skip
    expected = f"{day_text(date(year, 1, 10))}, 5:00 PM PT"
    review = page(mod_client, event)
    assert f"deadline {expected}" in review
    assert "UTC" not in review.split("deadline", 1)[1][:80]
    public = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f"Register by <strong>{expected}</strong>" in public
