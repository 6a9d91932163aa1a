"""Moderation fixtures: logged-in moderator and admin clients, queue items."""

from __future__ import annotations

import pytest

from htpm_events.events.models import EventRevision
from htpm_events.events.services import form_data, revision_payload
from htpm_events.extensions import db

PASSWORD = "correct horse battery"


def log_in(client, email: str, password: str = PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def moderator(make_user):
    return make_user("mod@example.org", PASSWORD, "moderator")


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", PASSWORD, "admin")


@pytest.fixture
def mod_client(app, moderator):
    client = app.test_client()
    log_in(client, moderator.email)
    return client


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    log_in(client, admin.email)
    return client


@pytest.fixture
def hold_change():
    """``hold_change(event, **fields)``: a submitter's change to a published event, held."""

    def build(event, source: str = "form", **fields):
        data = {**form_data(event), **fields}
        revision = EventRevision(event=event, data=revision_payload(data), source=source)
        db.session.add(revision)
        db.session.commit()
        return revision

    return build
