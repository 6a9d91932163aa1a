"""Every /moderate URL needs a logged-in, active moderator; some need an admin."""

import pytest

from htpm_events.extensions import db
from htpm_events.importers.models import ImportSource
from htpm_events.moderation.models import TrustedDomain
from htpm_events.outbox.models import FAILED, OutboxMessage
from htpm_events.timeutil import now_utc

from .conftest import log_in

#: (method, URL) of every moderation page; {event}, {org}, {source}, {domain}, {user},
#: {message} are ids.
MODERATOR_URLS = [
    ("GET", "/moderate"),
    ("POST", "/moderate/bulk"),
    ("GET", "/moderate/auto-published"),
    ("GET", "/moderate/events/{event}"),
    ("POST", "/moderate/events/{event}/decision"),
    ("GET", "/moderate/events/{event}/edit"),
    ("POST", "/moderate/events/{event}/edit"),
    ("POST", "/moderate/events/{event}/feature"),
    ("GET", "/moderate/events/{event}/cancel"),
    ("POST", "/moderate/events/{event}/cancel"),
    ("GET", "/moderate/events/{event}/unpublish"),
    ("POST", "/moderate/events/{event}/unpublish"),
    ("GET", "/moderate/events/{event}/merge"),
    ("POST", "/moderate/events/{event}/merge"),
    ("GET", "/moderate/organizations"),
    ("POST", "/moderate/organizations/{org}/trust"),
    ("GET", "/moderate/organizations/{org}/split"),
    ("POST", "/moderate/organizations/{org}/split"),
    ("GET", "/moderate/sources"),
    ("POST", "/moderate/sources"),
    ("GET", "/moderate/sources/{source}"),
    ("POST", "/moderate/sources/{source}"),
    ("POST", "/moderate/sources/{source}/trust"),
    ("POST", "/moderate/sources/{source}/run"),
    ("POST", "/moderate/sources/{source}/dismiss"),
    ("GET", "/moderate/imports"),
    ("POST", "/moderate/imports"),
    ("POST", "/moderate/imports/{token}/apply"),
    ("GET", "/moderate/log"),
    ("GET", "/moderate/log.csv"),
]
ADMIN_URLS = [
    ("GET", "/moderate/domains"),
    ("POST", "/moderate/domains"),
    ("POST", "/moderate/domains/{domain}/remove"),
    ("GET", "/moderate/accounts"),
    ("POST", "/moderate/accounts"),
    ("POST", "/moderate/accounts/{user}"),
    ("GET", "/moderate/status"),
    ("GET", "/moderate/outbox"),
    ("POST", "/moderate/outbox/{message}/retry"),
    ("POST", "/moderate/outbox/retry-failed"),
]
ALL_URLS = MODERATOR_URLS + ADMIN_URLS


@pytest.fixture
def ids(make_event, make_user):
    event = make_event(status="pending")
    source = ImportSource(kind="url", url="https://example.org/cal.ics")
    domain = TrustedDomain(domain="ag.ky.gov")
    db.session.add_all([source, domain])
    db.session.commit()
    other = make_user("other@example.org")
    message = OutboxMessage(
        recipients="someone@example.org",
        subject="Hello",
        content=b"Subject: Hello\r\n\r\nHello.\r\n",
        status=FAILED,
        give_up_at=now_utc(),
    )
    db.session.add(message)
    db.session.commit()
    return {
        "message": message.id,
        "event": event.id,
        "org": event.organization_id,
        "source": source.id,
        "domain": domain.id,
        "user": other.id,
        "token": "x" * 32,
    }


def call(client, method: str, url: str):
    return client.open(url, method=method, data={})


def test_every_moderation_url_is_in_this_list(app):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/moderate")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {
        (method, url.replace("{event}", "<int:event_id>")
         .replace("{org}", "<int:org_id>")
         .replace("{source}", "<int:source_id>")
         .replace("{domain}", "<int:domain_id>")
         .replace("{user}", "<int:user_id>")
         .replace("{message}", "<int:message_id>")
         .replace("{token}", "<token>"))
        for method, url in ALL_URLS
    }  # fmt: skip
    assert rules == listed


@pytest.mark.parametrize(("method", "url"), ALL_URLS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, ids, method, url):
    path = url.format(**ids)
    response = call(client, method, path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert path.replace("/", "%2F") in response.headers["Location"]


@pytest.mark.parametrize(("method", "url"), ALL_URLS)
def test_a_deactivated_account_loses_its_session(app, make_user, ids, method, url):
    user = make_user("gone@example.org", role="admin")
    client = app.test_client()
    log_in(client, user.email)
    user.active = False
    db.session.commit()

    response = call(client, method, url.format(**ids))

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("method", "url"), ADMIN_URLS)
def test_moderators_cannot_use_admin_pages(mod_client, ids, method, url):
    response = call(mod_client, method, url.format(**ids))
    assert response.status_code == 403
    assert "Only an admin" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [u for m, u in MODERATOR_URLS if m == "GET"])
def test_moderators_can_open_every_moderator_page(mod_client, ids, url):
    assert mod_client.get(url.format(**ids)).status_code == 200


@pytest.mark.parametrize("url", [u for m, u in ADMIN_URLS if m == "GET"])
def test_admins_can_open_the_admin_pages(admin_client, ids, url):
    assert admin_client.get(url.format(**ids)).status_code == 200


def test_a_deactivated_account_cannot_log_in(client, make_user):
    make_user("gone@example.org", active=False)
    response = client.post(
        "/login", data={"email": "gone@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/moderate").status_code == 302


def test_forms_refuse_a_post_without_the_csrf_token(make_app, make_user, make_event):
    app = make_app(WTF_CSRF_ENABLED=True)
    event = make_event(status="pending")
    with app.app_context():
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        make_user()
        ok = client.post(
            "/login",
            data={
                "email": "mod@example.org",
                "password": "correct horse battery",
                "csrf_token": token,
            },
        )
        assert ok.status_code == 302
        refused = client.post(f"/moderate/events/{event.id}/decision", data={"decision": "approve"})
        assert refused.status_code == 400
        assert client.get(f"/events/{event.id}").status_code == 404
