"""Shared by the security tests: an app whose errors become responses (as in production,
so that a crash is a 500 to assert on, not an exception), and a request that reports a
crash while streaming a body as a 500 too."""

from __future__ import annotations

from htpm_events.extensions import db


def production_like(make_app, **config):
    """An app built like the test app but answering errors the way production does."""
    return make_app(PROPAGATE_EXCEPTIONS=False, **config)


def status(client, method: str, url: str, **kwargs) -> int:
    """The response's status; an exception (e.g. in a streamed body) counts as 500."""
    try:
        response = client.open(url, method=method, **kwargs)
        response.get_data()
        return response.status_code
    except Exception:  # noqa: BLE001 (any crash is what these tests look for)
        db.session.rollback()
        return 500
