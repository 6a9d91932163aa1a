"""SPEC §11 headers on every HTML response, error pages included; the frame policy; the
flyer, served from the database, never as HTML; the manage pages' privacy headers."""

from __future__ import annotations

import re

import pytest

from htpm_events.extensions import limiter

from ..moderation.conftest import PASSWORD, log_in
from ..submissions.helpers import JPEG, PDF, PNG, flyer, form, send

FLYER_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def assert_html_headers(response, framable: bool = False):
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert script_src.strip() == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "object-src 'none'" in csp and "base-uri 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if framable:
        assert "frame-ancestors *" in csp
        assert "X-Frame-Options" not in response.headers
    else:
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def boom(make_app):
    """An app with a route that crashes, answering as production does."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def crash():
        raise RuntimeError("boom")

    app.add_url_rule("/crash", "crash", crash)
    app.add_url_rule("/embed/crash", "embed_crash", crash)
    return app


def test_every_error_page_carries_the_headers(boom, make_user):
    client = boom.test_client()
    cases = {
        400: client.get("/events?level=galactic"),
        404: client.get("/no/such/page"),
        405: client.get("/logout"),
        413: client.post("/login", data={"x": "x" * (8 * 1024 * 1024 + 1)}),
        500: client.get("/crash"),
    }
    make_user("mod@example.org", PASSWORD, "moderator")
    log_in(client, "mod@example.org")
    cases[403] = client.get("/moderate/accounts")
    for code, response in cases.items():
        assert response.status_code == code
        assert_html_headers(response)
    assert_html_headers(client.get("/embed/crash"), framable=True)


def test_the_429_page_carries_the_headers(make_app):
    app = make_app(HTPM_RATELIMITS="on")
    limiter.reset()
    client = app.test_client()
    try:
        for _ in range(21):
            response = client.post("/login", data={"email": "x@example.org", "password": "x"})
    finally:
        limiter.reset()
    assert response.status_code == 429
    assert_html_headers(response)


PUBLIC_PAGES = [
    "/",
    "/events",
    "/calendar/2027/1",
    "/events/{id}",
    "/events/{id}/register",
    "/feeds",
    "/submit",
    "/submit/how",
    "/login",
]


def test_pages_have_no_inline_script_or_event_handler(client, make_event):
    """CSP forbids inline script: none may be needed. The JSON-LD block is data."""
    event = make_event(registration_mode="hub", capacity=10, registration_url="")
    for path in PUBLIC_PAGES:
        response = client.get(path.format(id=event.id))
        assert response.status_code == 200, path
        assert_html_headers(response)
        html = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/ld+json"' in tag, (path, tag)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path
        assert "javascript:" not in html, path


def test_only_embed_pages_may_be_framed(client):
    assert_html_headers(client.get("/embed/events"), framable=True)
    assert_html_headers(client.get("/embed/events?level=galactic"), framable=True)
    for path in ("/", "/events", "/login", "/submit", "/feeds"):
        assert_html_headers(client.get(path))


def test_non_html_responses_say_nosniff(client, make_event):
    event = make_event()
    for path in (
        "/api/v1/events",
        f"/api/v1/events/{event.id}",
        "/feeds/events.ics",
        "/feeds/events.atom",
        f"/events/{event.id}.ics",
        "/static/hub.css",
        "/healthz",
        "/api/v1/events?level=galactic",
    ):
        response = client.get(path)
        response.close()
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


# --- flyers ---------------------------------------------------------------------------------


def approve_with_flyer(client, content: bytes, name: str):
    from htpm_events.events.models import Event
    from htpm_events.events.services import publish
    from htpm_events.extensions import db

    response = send(
        client, "/submit", {**form(title=f"Flyer {name}"), "flyer": flyer(content, name)}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    event = db.session.query(Event).filter_by(title=f"Flyer {name}").one()
    publish(event)
    db.session.commit()
    return event


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (PDF, "flyer.pdf", "application/pdf"),
        (PNG, "flyer.png", "image/png"),
        (JPEG, "flyer.jpg", "image/jpeg"),
        # HTML after a PDF signature is stored as what the signature proves: a PDF.
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>", "page.pdf", "application/pdf"),
    ],
)
def test_a_flyer_is_served_with_its_detected_type_and_nosniff(client, content, name, kind):
    event = approve_with_flyer(client, content, name)
    response = client.get(f"/events/{event.id}/flyer")
    assert response.status_code == 200
    assert response.mimetype == kind and response.mimetype in FLYER_TYPES
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[kind]
    assert re.search(rf'filename="?[a-z0-9-]+\.{extension}"?$', disposition), disposition


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "flyer.png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "flyer.svg"),
        (b"<!doctype html><script>alert(1)</script>", "flyer.pdf"),
        (b"<!doctype html><script>alert(1)</script>", "flyer.html"),
        (b"GIF89a<script>alert(1)</script>", "flyer.gif"),
    ],
)
def test_html_and_svg_flyers_are_refused(client, content, name):
    response = send(client, "/submit", {**form(), "flyer": flyer(content, name)})
    assert response.status_code == 400
    assert "must be a PDF, PNG or JPEG" in response.get_data(as_text=True)


# --- the manage link --------------------------------------------------------------------------


def test_manage_pages_send_no_referrer_and_are_not_cached(client, published, make_app):
    event, token = published
    for path in (f"/manage/{token}", f"/manage/{token}/edit"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert response.headers["Cache-Control"] == "no-store", path
        assert "noindex" in response.headers["X-Robots-Tag"]
    thanks = client.get("/submit/thanks")
    assert thanks.headers["Referrer-Policy"] == "no-referrer"
    # The refused cancel (its form token missing) answers from the same URL.
    guarded = make_app(WTF_CSRF_ENABLED=True).test_client()
    refused = guarded.post(f"/manage/{token}/cancel", data={"confirm": "y"})
    assert refused.status_code == 400
    assert refused.headers["Referrer-Policy"] == "no-referrer"
