"""Trusted organizations, the recently auto-published list, sources and trusted domains."""

from datetime import timedelta

import sqlalchemy as sa

from htpm_events.events.models import Organization
from htpm_events.extensions import db
from htpm_events.importers.models import ImportSource
from htpm_events.moderation.models import AuditEntry, TrustedDomain
from htpm_events.timeutil import now_utc


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_trusting_an_organization_is_recorded(mod_client, make_event):
    event = make_event(status="pending")
    org_id = event.organization_id

    response = mod_client.post(
        f"/moderate/organizations/{org_id}/trust",
        data={"on": "y", "next": "/moderate/organizations"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/moderate/organizations"
    db.session.expire_all()
    assert db.session.get(Organization, org_id).trusted is True
    page = mod_client.get("/moderate/organizations").get_data(as_text=True)
    assert "Stop trusting" in page
    mod_client.post(f"/moderate/organizations/{org_id}/trust", data={})
    db.session.expire_all()
    assert db.session.get(Organization, org_id).trusted is False
    assert actions() == ["trust", "untrust"]


def test_the_trust_toggle_never_redirects_off_the_hub(mod_client, make_event):
    event = make_event()
    response = mod_client.post(
        f"/moderate/organizations/{event.organization_id}/trust",
        data={"on": "y", "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/moderate/organizations"


def test_recently_auto_published_lists_only_the_last_14_days(mod_client, make_event):
    fresh = make_event(status="approved", title="Trusted Fresh Event")
    old = make_event(status="approved", title="Trusted Old Event")
    gone = make_event(status="rejected", title="Trusted But Taken Down")
    queued = make_event(status="approved", title="Moderated Normally")
    db.session.add_all(
        [
            AuditEntry(actor="system", action="auto-publish", event=fresh, reason="trusted"),
            AuditEntry(
                actor="system",
                action="auto-publish",
                event=old,
                at=now_utc() - timedelta(days=15),
            ),
            AuditEntry(actor="system", action="auto-publish", event=gone),
            AuditEntry(actor="mod@example.org", action="approve", event=queued),
        ]
    )
    db.session.commit()

    page = mod_client.get("/moderate/auto-published").get_data(as_text=True)

    assert "Trusted Fresh Event" in page
    assert "Trusted Old Event" not in page
    assert "Trusted But Taken Down" not in page
    assert "Moderated Normally" not in page


def test_sources_show_their_last_error_and_can_be_trusted(mod_client):
    source = ImportSource(
        kind="url", url="https://example.org/cal.ics", last_error="HTTP 500 from the server"
    )
    db.session.add(source)
    db.session.commit()

    page = mod_client.get("/moderate/sources").get_data(as_text=True)
    assert "HTTP 500 from the server" in page
    assert "Add this source" in page  # adding sources from this page (issue 11)

    mod_client.post(f"/moderate/sources/{source.id}/trust", data={"on": "y"})
    db.session.expire_all()
    assert db.session.get(ImportSource, source.id).trusted is True
    assert actions() == ["trust-source"]


def test_admins_add_and_remove_trusted_domains(admin_client):
    response = admin_client.post("/moderate/domains", data={"domain": "@AG.KY.gov"})
    assert response.status_code == 302
    [row] = db.session.scalars(sa.select(TrustedDomain)).all()
    assert row.domain == "ag.ky.gov"

    again = admin_client.post("/moderate/domains", data={"domain": "ag.ky.gov"})
    public = admin_client.post("/moderate/domains", data={"domain": "gmail.com"})
    junk = admin_client.post("/moderate/domains", data={"domain": "https://x y"})
    assert again.status_code == public.status_code == junk.status_code == 400
    assert "already trusted" in again.get_data(as_text=True)
    assert "public mail service" in public.get_data(as_text=True)
    assert "Enter a domain such as" in junk.get_data(as_text=True)

    admin_client.post(f"/moderate/domains/{row.id}/remove")
    assert db.session.scalars(sa.select(TrustedDomain)).all() == []
    assert actions() == ["trust-domain", "untrust-domain"]


def test_a_trusted_organizations_next_submission_publishes_and_is_listed_for_spot_checks(
    mod_client, client, make_event
):
    from htpm_events.submissions import services as submissions
    from tests.builders import event_data

    known = make_event(status="pending", title="First Event, Reviewed")
    mod_client.post(f"/moderate/events/{known.id}/decision", data={"decision": "approve"})
    mod_client.post(f"/moderate/organizations/{known.organization_id}/trust", data={"on": "y"})

    # The same contact submits again and opens the e-mailed link.
    event, token = submissions.submit_event(event_data(title="Second Event, Trusted"), None)
    db.session.commit()
    key = submissions.confirm_key(event)
    assert client.get(f"/manage/{token}?confirm={key}").status_code in (200, 302, 303)

    assert client.get(f"/events/{event.id}").status_code == 200
    listed = mod_client.get("/moderate/auto-published").get_data(as_text=True)
    assert "Second Event, Trusted" in listed
    assert f'href="/moderate/events/{event.id}"' in listed
    assert f'href="/moderate/events/{known.id}"' not in listed
    assert "Second Event, Trusted" not in mod_client.get("/moderate").get_data(as_text=True)
