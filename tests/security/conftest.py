"""Fixtures of the security tests."""

from __future__ import annotations

import pytest

from htpm_events.events.services import issue_manage_token
from htpm_events.extensions import db

from ..moderation.conftest import PASSWORD, log_in
from .helpers import production_like


@pytest.fixture
def prod(make_app, app):
    """An app that answers a crash with its 500 page, as production does (the ``app``
    fixture's context stays pushed for the builders)."""
    return production_like(make_app)


@pytest.fixture
def published(make_event):
    """A published event with its manage token: ``(event, token)``."""
    event = make_event(title="Published event", organization="Published Org")
    token = issue_manage_token(event)
    db.session.commit()
    return event, token


@pytest.fixture
def admin_of(make_user):
    """``admin_of(app)``: a test client of ``app`` logged in as an admin."""

    def build(app):
        make_user("admin@example.org", PASSWORD, "admin")
        client = app.test_client()
        log_in(client, "admin@example.org")
        return client

    return build
