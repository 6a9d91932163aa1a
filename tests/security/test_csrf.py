"""Every state-changing route is guarded by Flask-WTF's CSRFProtect (none exempt): a POST
without the form token is refused with 400 and changes nothing."""

from __future__ import annotations

import re

import sqlalchemy as sa

from htpm_events.accounts.models import User
from htpm_events.events.models import Event, Organization
from htpm_events.extensions import csrf, db
from htpm_events.moderation.models import AuditEntry, TrustedDomain

from ..submissions.helpers import form


def post_rules(app) -> list:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint != "static"
    ]


def test_nothing_is_exempt_from_csrf(app):
    assert not csrf._exempt_views
    assert not csrf._exempt_blueprints
    from htpm_events.config import defaults

    assert "WTF_CSRF_ENABLED" not in defaults("/tmp")  # Flask-WTF's default: enabled
    assert post_rules(app), "the app has forms"


def test_every_post_route_refuses_a_request_without_the_token(
    make_app, make_event, make_user, published
):
    guarded = make_app(WTF_CSRF_ENABLED=True)
    event, token = published
    pending = make_event(status="pending", title="Pending one")
    admin = make_user("admin@example.org", role="admin")
    other = make_user("other@example.org")
    domain = TrustedDomain(domain="ag.ky.gov")
    db.session.add(domain)
    db.session.commit()
    values = {
        "event_id": pending.id,
        "token": token,
        "org_id": event.organization_id,
        "source_id": 1,
        "domain_id": domain.id,
        "user_id": other.id,
        "message_id": 1,
    }
    client = guarded.test_client()
    with client.session_transaction() as session:  # logged in without a form
        session["_user_id"] = str(admin.id)
        session["_fresh"] = True

    def snapshot():
        db.session.expire_all()
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Event)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
            db.session.scalar(sa.select(sa.func.count()).select_from(User)),
            db.session.scalar(sa.select(sa.func.count()).select_from(TrustedDomain)),
            [(e.status, e.title, e.featured) for e in db.session.scalars(sa.select(Event))],
            [o.trusted for o in db.session.scalars(sa.select(Organization))],
            [(u.active, u.role) for u in db.session.scalars(sa.select(User))],
        )

    before = snapshot()
    data = {
        **form(title="Changed by a forged request"),
        "decision": "approve",
        "reason": "forged",
        "items": str(pending.id),
        "into": str(event.id),
        "on": "y",
        "confirm": "y",
        "email": "forged@example.org",
        "password": "p" * 12,
        "role": "admin",
        "action": "deactivate",
        "domain": "forged.example.org",
    }
    checked = []
    for rule in post_rules(guarded):
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
        response = client.post(url, data=data)
        assert response.status_code == 400, (url, response.status_code)
        checked.append(rule.rule)
    assert snapshot() == before
    assert {"/submit", "/login", "/logout", "/manage/<token>/cancel"} <= set(checked)
    assert any(path.startswith("/moderate") for path in checked)
    # Still logged in: the forged /logout did nothing either.
    assert client.get("/moderate").status_code == 200


def test_with_the_token_the_same_form_goes_through(make_app, make_user):
    guarded = make_app(WTF_CSRF_ENABLED=True)
    make_user("mod@example.org", "correct horse battery")
    client = guarded.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": "mod@example.org", "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 302
