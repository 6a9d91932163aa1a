"""Duplicate hints and merging a duplicate into the original."""

from datetime import time

import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.extensions import db
from htpm_events.moderation.duplicates import duplicates_of
from htpm_events.moderation.models import AuditEntry


def reload(event_id: int) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event_id)


def test_a_similar_title_on_the_same_day_is_a_possible_duplicate(make_event):
    original = make_event(status="approved", title="Recognizing Labor Trafficking")
    copy = make_event(
        status="pending",
        title="Recognising Labour Trafficking",
        start_time=time(13),
        end_time=time(14),
        registration_url="https://other.example.org/r",
    )

    [hint] = duplicates_of(copy)

    assert hint.event.id == original.id
    assert hint.why.startswith("similar title")


def test_same_registration_link_is_a_duplicate_whatever_the_title(make_event):
    original = make_event(status="approved", registration_url="https://example.org/reg/42/")
    copy = make_event(
        status="pending",
        title="Completely different words",
        start_date=original.start_date.replace(day=20),
        end_date=original.start_date.replace(day=20),
        registration_url="https://EXAMPLE.org/reg/42",
    )
    [hint] = duplicates_of(copy)
    assert (hint.event.id, hint.why) == (original.id, "same registration link")


def test_no_hint_for_a_different_title_or_a_different_week(make_event):
    make_event(status="approved", title="Recognizing Labor Trafficking")
    other_title = make_event(
        status="pending", title="Youth Online Safety Night", registration_url="https://a.org/1"
    )
    later = make_event(
        status="pending",
        title="Recognizing Labor Trafficking",
        start_date=other_title.start_date.replace(day=21),
        end_date=other_title.start_date.replace(day=21),
        registration_url="https://a.org/2",
    )
    make_event(status="rejected", title="Youth Online Safety Night!")  # rejected: not offered

    assert duplicates_of(other_title) == []
    assert duplicates_of(later) == []


def test_the_queue_and_the_review_page_show_the_hint(mod_client, make_event):
    original = make_event(status="approved", title="Wear Blue Day Rally")
    copy = make_event(status="pending", title="Wear Blue Day Rally", registration_url=None,
                      registration_mode="none")  # fmt: skip

    queue = mod_client.get("/moderate").get_data(as_text=True)
    review = mod_client.get(f"/moderate/events/{copy.id}").get_data(as_text=True)

    assert "Possible duplicate" in queue
    assert f"#{original.id} Wear Blue Day Rally" in review
    assert "Same title, starts within a day." in review


def test_a_reason_with_a_share_shows_on_the_queue_review_and_merge_pages(mod_client, make_event):
    """ "titles share 75% of their words": the "%" is not read as a placeholder, and the
    pages say it in their language."""
    original = make_event(status="approved", title="Labor screening for nurses")
    copy = make_event(
        status="pending", title="Labor screening for nurses and clinics",
        organization="Other Group", start_time=time(15), end_time=time(16),
        registration_url="https://other.example.org/r",
    )  # fmt: skip
    [hint] = duplicates_of(copy)
    assert hint.why == "titles share 75% of their words, starts within a day"

    for path in ("/moderate", f"/moderate/events/{copy.id}", f"/moderate/events/{copy.id}/merge"):
        response = mod_client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "itles share 75% of their words, starts within a day" in page, path
        spanish = mod_client.get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)
        assert "comparten el 75% de sus palabras" in spanish, path
    assert f"#{original.id} Labor screening for nurses" in page


def test_merge_credits_the_cohost_and_hides_the_duplicate(mod_client, client, make_event):
    original = make_event(status="approved", title="Statewide Awareness Walk")
    copy = make_event(
        status="approved",
        title="Statewide Awareness Walk",
        organization="Louisville Rescue Mission",
        registration_url="https://mission.example.org/walk",
    )

    response = mod_client.post(
        f"/moderate/events/{copy.id}/merge", data={"into": original.id, "reason": "Same walk."}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/moderate/events/{original.id}"
    copy, original = reload(copy.id), reload(original.id)
    assert copy.status == "rejected"
    assert copy.merged_into_id == original.id
    assert copy.moderation_reason == f"Merged into event #{original.id}"
    [cohost] = original.cohosts
    assert cohost.organization.name == "Louisville Rescue Mission"
    assert cohost.registration_url == "https://mission.example.org/walk"
    assert cohost.merged_event_id == copy.id
    assert original.sequence == 1
    assert client.get(f"/events/{copy.id}").status_code == 404
    assert client.get(f"/events/{original.id}").status_code == 200
    actions = db.session.scalars(
        sa.select(AuditEntry.details).where(AuditEntry.action == "merge").order_by(AuditEntry.id)
    ).all()
    assert actions == [{"into": original.id}, {"from": copy.id}]


def test_merge_refuses_itself_and_unknown_events(mod_client, make_event):
    event = make_event(status="pending")
    itself = mod_client.post(f"/moderate/events/{event.id}/merge", data={"into": event.id})
    unknown = mod_client.post(f"/moderate/events/{event.id}/merge", data={"into": 987654})
    bad = mod_client.post(f"/moderate/events/{event.id}/merge", data={"into": "abc"})
    assert itself.status_code == 409 and "cannot be merged into itself" in itself.get_data(True)
    assert unknown.status_code == 404 and "There is no event #987654." in unknown.get_data(True)
    assert bad.status_code == 400
    assert reload(event.id).merged_into_id is None
