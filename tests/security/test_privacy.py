"""Contact details never reach a public representation (SPEC §2), and names from
unpublished submissions stay private."""

from __future__ import annotations

import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.extensions import db

from ..builders import default_day
from ..feeds.parsers import property_texts
from ..submissions.helpers import form
from .helpers import status

CONTACT_NAME = "Zorbulon Quillfeather"
CONTACT_EMAIL = "zq.contact-7f3a9@private-mailhost.example"
SECRETS = ("Zorbulon", "Quillfeather", "zq.contact-7f3a9", "private-mailhost")


def test_contact_details_appear_in_no_public_representation(app, client, admin_of):
    response = client.post(
        "/submit",
        data=form(
            title="Privacy check webinar",
            contact_name=CONTACT_NAME,
            contact_email=CONTACT_EMAIL,
            description="A webinar about privacy.",
        ),
    )
    assert response.status_code == 303
    event = db.session.scalar(sa.select(Event).where(Event.title == "Privacy check webinar"))
    moderator = admin_of(app)
    decided = moderator.post(f"/moderate/events/{event.id}/decision", data={"decision": "approve"})
    assert decided.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "approved"

    year = default_day().year
    window = f"from={year}-01-01&to={year}-01-31"
    public = [
        "/",
        f"/events?{window}",
        f"/events?{window}&q=privacy",
        f"/events/{event.id}",
        f"/events/{event.id}/privacy-check-webinar",
        f"/events/{event.id}.ics",
        f"/calendar/{year}/1",
        f"/embed/events?{window}",
        "/feeds",
        f"/feeds/events.ics?{window}",
        f"/feeds/events.atom?from={year}-01-01",
        f"/api/v1/events?{window}",
        f"/api/v1/events/{event.id}",
        "/submit",  # the organization suggestions
    ]
    seen = []
    for path in public:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert "Privacy check webinar" in body or path in ("/", "/feeds", "/submit"), path
        if path.endswith(".ics"):
            # Parsed: folding at 75 octets could split a word in the raw bytes.
            texts = property_texts(response.data)
            assert "Privacy check webinar" in texts, path
            body = "\n".join(texts)
        seen += [(path, word) for word in SECRETS if word.lower() in body.lower()]
    assert seen == []
    # Search does not look at the contact either (no oracle for an address).
    for word in ("Zorbulon", "zq", "private-mailhost"):
        found = client.get(f"/api/v1/events?{window}&q={word}").get_json()
        assert found["count"] == 0, word


def test_unpublished_organizations_cannot_be_named_through_org(client, make_event):
    """``org=`` takes an id or a slug: an organization known only from a pending (or
    rejected) submission must not have its name shown in the filter label or the feed
    name, as the form's suggestions already keep it private."""
    hidden = make_event(status="pending", organization="Riverside Survivor Shelter")
    make_event(status="rejected", organization="Rejected Org Name")
    make_event(organization="Visible Coalition")
    for value in (
        str(hidden.organization_id),
        "riverside-survivor-shelter",
        "rejected-org-name",
    ):
        for path in ("/events", "/calendar/2031/1", "/embed/events", "/feeds", "/api/v1/events"):
            response = client.get(path, query_string={"org": value})
            body = response.get_data(as_text=True)
            assert response.status_code == 400, (path, value)
            assert "Riverside Survivor Shelter" not in body and "Rejected Org Name" not in body
        for path in ("/feeds/events.ics", "/feeds/events.atom"):
            assert status(client, "GET", path, query_string={"org": value}) == 400
    shown = client.get("/events", query_string={"org": "visible-coalition"})
    assert shown.status_code == 200
    assert "Organization: Visible Coalition" in shown.get_data(as_text=True)
