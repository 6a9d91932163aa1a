"""What admins see of the background work: /moderate/status and the failed mail with its
retry button. Moderators and visitors do not see them; /healthz stays cheap and public."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from htpm_events.background import load_jobs, run_scheduled
from htpm_events.extensions import db
from htpm_events.mail import queue_mail
from htpm_events.outbox.models import FAILED, SENT, OutboxMessage
from htpm_events.outbox.services import deliver_due

from ..moderation.conftest import PASSWORD, log_in


@pytest.fixture
def admin_client(app, make_user):
    make_user("admin@example.org", PASSWORD, "admin")
    client = app.test_client()
    log_in(client, "admin@example.org")
    return client


def failed_message(app, smtp) -> int:
    """A message refused for good by a real SMTP server."""
    smtp.start()
    smtp.refuse.add("nobody@county.example")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, HTPM_QUEUE="")
    queue_mail("nobody@county.example", "Your event: Film screening", "Hello.")
    db.session.commit()
    deliver_due()
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.status == FAILED
    return message.id


@pytest.mark.parametrize("path", ["/moderate/status", "/moderate/outbox"])
def test_only_admins_see_the_background_pages(app, make_user, path):
    assert app.test_client().get(path).status_code == 302  # to the login page
    make_user("mod@example.org", PASSWORD, "moderator")
    client = app.test_client()
    log_in(client, "mod@example.org")
    assert client.get(path).status_code == 403


def test_the_status_page_shows_the_outbox_the_services_and_each_jobs_last_run(admin_client):
    queue_mail("someone@example.org", "Hello", "Body.")  # delivered at once in tests
    db.session.commit()
    run_scheduled(load_jobs()["feeds.clean"], force=True)
    page = html.unescape(admin_client.get("/moderate/status").get_data(as_text=True))
    assert "Waiting to be sent</dt><dd>0" in page
    assert "Sent (last 7 days)</dt><dd>1" in page
    assert 'Database</dt><dd><span class="ok">OK</span>' in page
    assert "not used (REDIS_URL is not set)" in page
    for name in ("mail.deliver", "mail.sweep", "mail.clean", "feeds.clean"):
        assert name in page
    row = page.split('id="job-feeds-clean"')[1].split("</tr>")[0]
    assert "0 deleted" in row and "1 run, 0 failed" in row


def test_the_status_page_says_when_redis_does_not_answer(make_app, make_user):
    from ..pg import free_port

    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with app.app_context():
        make_user("admin@example.org", PASSWORD, "admin")
        client = app.test_client()
        log_in(client, "admin@example.org")
        response = client.get("/moderate/status")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert 'Redis</dt><dd><strong class="error">Not answering:</strong>' in page


def test_an_admin_sees_a_failed_message_with_its_error_and_retries_it(app, admin_client, smtp):
    message_id = failed_message(app, smtp)
    page = admin_client.get("/moderate/outbox").get_data(as_text=True)
    row = page.split(f'id="message-{message_id}"')[1].split("</tr>")[0]
    assert "nobody@county.example" in row
    assert "550" in row and "No such mailbox here" in row

    smtp.refuse.clear()  # the address works again
    app.config["HTPM_QUEUE"] = "immediate"
    response = admin_client.post(f"/moderate/outbox/{message_id}/retry")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message_id).status == SENT
    assert len(smtp.to("nobody@county.example")) == 1
    page = admin_client.get("/moderate/outbox").get_data(as_text=True)
    assert "No failed messages." in page


def test_retrying_a_message_that_is_not_failed_changes_nothing(app, admin_client):
    queue_mail("someone@example.org", "Hello", "Body.")
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage))
    response = admin_client.post(f"/moderate/outbox/{message.id}/retry", follow_redirects=True)
    assert "is sent: there is nothing to retry" in response.get_data(as_text=True)
    assert admin_client.post("/moderate/outbox/99999999999/retry").status_code == 404


def test_the_retry_button_needs_the_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("admin@example.org", PASSWORD, "admin")
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)[1]
        response = client.post(
            "/login",
            data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        assert client.get("/moderate/outbox").status_code == 200
        assert client.post("/moderate/outbox/retry-failed").status_code == 400


def test_healthz_stays_public_and_cheap(client):
    response = client.get("/healthz")
    assert response.status_code == 200
