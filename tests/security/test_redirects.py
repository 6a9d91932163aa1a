"""Redirects never leave the hub for a place the hub did not vet: ``next`` after login
(SPEC §11) and the counted registration link (§3, §7, http/https only)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ..moderation.conftest import PASSWORD, log_in
from ..submissions.helpers import form

EVIL_NEXT = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    " //evil.example",
    "https://evil.example",
    "HTTPS://evil.example/moderate",
    "http:/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
]


def stays_on_the_hub(location: str) -> bool:
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and "\\" not in location
        and not any(ord(c) < 0x20 for c in location)
    )


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_after_login_only_ever_leads_to_a_path_on_the_hub(client, make_user, target):
    make_user("mod@example.org", PASSWORD)
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "mod@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert stays_on_the_hub(response.headers["Location"]), response.headers["Location"]
    again = client.get("/login", query_string={"next": target})  # already logged in
    assert again.status_code == 302
    assert stays_on_the_hub(again.headers["Location"]), again.headers["Location"]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_of_a_moderation_toggle_stays_on_the_hub(app, make_user, make_event, target):
    make_user("mod@example.org", PASSWORD)
    event = make_event()
    client = app.test_client()
    log_in(client, "mod@example.org")
    response = client.post(
        f"/moderate/organizations/{event.organization_id}/trust", data={"on": "y", "next": target}
    )
    assert response.status_code == 302
    assert stays_on_the_hub(response.headers["Location"]), response.headers["Location"]


def test_a_path_on_the_hub_is_kept(client, make_user):
    make_user("mod@example.org", PASSWORD)
    response = client.post(
        "/login",
        query_string={"next": "/moderate/log?action=approve"},
        data={"email": "mod@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/moderate/log?action=approve"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/register",
        "https:evil.example",
        "http://",
        "file:///etc/passwd",
    ],
)
def test_the_registration_link_only_redirects_to_http(client, make_event, url):
    """Forms refuse such links (tests/submissions/test_validation.py); whatever else puts
    one in the database, the counted link never sends a visitor to it."""
    event = make_event(registration_url=url)
    response = client.get(f"/events/{event.id}/register")
    assert response.status_code == 404
    assert "Location" not in response.headers


def test_a_good_registration_link_redirects(client, make_event):
    event = make_event(registration_url="https://example.org/register?x=1")
    response = client.get(f"/events/{event.id}/register")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://example.org/register?x=1"


@pytest.mark.parametrize("field", ["online_url", "registration_url"])
@pytest.mark.parametrize(
    "url",
    [
        "https:evil.example",
        "//evil.example/x",
        "http://",
        "vbscript:msgbox(1)",
        "java\tscript:alert(1)",
        "https://exa mple.org/",
    ],
)
def test_forms_accept_only_full_http_links(client, field, url):
    response = client.post("/submit", data=form(**{field: url}))
    assert response.status_code == 400, url


@pytest.mark.parametrize(
    "query",
    ["endpoint=x", "_external=1&_scheme=javascript", "_anchor=x&kind=new", "level=galactic"],
)
def test_bulk_decisions_go_back_to_the_queue_whatever_the_query(app, make_user, make_event, query):
    make_user("mod@example.org", PASSWORD)
    event = make_event(status="pending")
    client = app.test_client()
    log_in(client, "mod@example.org")
    response = client.post(
        f"/moderate/bulk?{query}", data={"items": str(event.id), "decision": "approve"}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/moderate") and stays_on_the_hub(location), location
