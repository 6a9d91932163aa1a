"""What every page shares (SPEC §10, §11) and the foundation's public pages."""

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from htpm_events.extensions import db

from ..builders import default_day

PAGES = ["/", "/events", "/login"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_shows_the_hotline_quick_exit_and_skip_link(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1-888-373-7888" in html and "233733" in html
    assert 'id="quick-exit"' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert '<meta name="viewport"' in html


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_nothing_from_another_host(client, path):
    html = client.get(path).get_data(as_text=True)
    tags = re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*>", html)
    # rel=alternate/canonical links name other URLs; they load nothing.
    tags = [t for t in tags if not re.search(r'rel="(alternate|canonical)"', t)]
    loaded = [m.group(1) for t in tags if (m := re.search(r'(?:src|href)="([^"]+)"', t))]
    assert loaded, "the page loads its own assets"
    for url in loaded:
        assert not re.match(r"^(https?:)?//", url), url


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_lax_and_secure_behind_https(make_app):
    plain = make_app()
    assert (
        plain.config["SESSION_COOKIE_HTTPONLY"] and plain.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    )
    assert not plain.config["SESSION_COOKIE_SECURE"]
    secure = make_app(HTPM_BASE_URL="https://events.example.org")
    assert secure.config["SESSION_COOKIE_SECURE"]


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_static_assets_are_served(client):
    with client.get("/static/hub.css") as css:
        assert css.status_code == 200
    with client.get("/static/hub.js") as js:
        assert "Escape" in js.get_data(as_text=True)


def test_unknown_event_is_404_and_pending_event_is_invisible(client, make_event):
    assert client.get("/events/999999").status_code == 404
    pending = make_event(status="pending", title="Not yet approved")
    make_event(title="Approved neighbour")
    assert client.get(f"/events/{pending.id}").status_code == 404
    listing = client.get(f"/events?from={default_day().year}-01-01")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "Approved neighbour" in html and "Not yet approved" not in html


def test_events_list_shows_local_time_and_zone(client, make_event):
    event = make_event(title="Pacific webinar", timezone="America/Los_Angeles")
    html = client.get(f"/events?from={default_day().year}-01-01").get_data(as_text=True)
    assert "Pacific webinar" in html
    assert "10:00–11:00 AM PT" in html
    assert "America/Los_Angeles" in html or "PT" in html
    assert client.get(f"/events/{event.id}").status_code == 200


def test_request_body_over_8_mb_is_refused(client):
    response = client.post("/login", data={"email": "x" * (9 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)
def test_migrations_match_the_models(app):
    """The schema Alembic builds (the test databases are migrated) is the models' schema.
    (SQLite cannot reflect an index on an expression: those are compared on PostgreSQL.)"""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    # FTS helper tables created by raw SQL in migrations are not models.
    diff = [d for d in diff if not (d[0] == "remove_table" and "fts" in d[1].name)]
    assert diff == []
