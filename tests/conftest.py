"""Fixtures for every test: an app on a fresh database (each database test runs on SQLite
and on PostgreSQL), a live server for the browser, Playwright with Debian's chromium, and
a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g
from werkzeug.serving import make_server

from htpm_events import create_app
from htpm_events.extensions import db

from .pg import Cluster, free_port

REQUIRE_POSTGRES = os.environ.get("HTPM_REQUIRE_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("HTPM_REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("HTPM_CHROMIUM", "/usr/bin/chromium")

pytest_plugins = ["tests.builders"]


def pytest_configure(config):
    start_clock(config)
    compile_translations()
    # Each session gets its own temporary folder: pytest's shared, rotating one lets a
    # concurrent session delete this one's PostgreSQL cluster and database templates.
    if config.option.basetemp is None:
        config.option.basetemp = tempfile.mkdtemp(prefix="htpm-pytest-")
        config._htpm_basetemp = config.option.basetemp


def compile_translations() -> None:
    """The .mo files, as `make install` compiles them, when a .po file is newer (a test run
    straight after editing a translation, without make)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    folder = Path(__file__).resolve().parents[1] / "htpm_events" / "translations"
    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with open(po, "rb") as source:
                catalog = read_po(source)
            with open(mo, "wb") as target:
                write_mo(target, catalog)


def start_clock(config) -> None:
    """``HTPM_TEST_NOW=2027-01-14T15:00`` runs the whole suite with the clock set there (UTC,
    ticking on) from before collection on, to check that no test or page depends on the year
    it was written in."""
    when = os.environ.get("HTPM_TEST_NOW")
    if when:
        import time_machine

        config._htpm_clock = time_machine.travel(
            datetime.fromisoformat(when).replace(tzinfo=UTC), tick=True
        )
        config._htpm_clock.start()


def pytest_unconfigure(config):
    if getattr(config, "_htpm_clock", None) is not None:
        config._htpm_clock.stop()
    folder = getattr(config, "_htpm_basetemp", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def base_config(database_url: str, instance: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "HTPM_RATELIMITS": "off",
        "HTPM_BASE_URL": "http://localhost",
        "SERVER_NAME": None,
        "MAIL_SERVER": None,
        "MODERATOR_EMAILS": "moderators@example.org",
        # Jobs (mail delivery) run in place when asked, so a test reads the mail its request
        # caused; tests/background/ runs real workers on real queues.
        "HTPM_QUEUE": "immediate",
    }
    config.update(overrides)
    return config


def migrate_to_head(database_url: str, instance: Path) -> None:
    """Build a schema the way production does: Alembic's migrations, not create_all."""
    from flask_migrate import upgrade

    app = create_app(base_config(database_url, instance))
    with app.app_context():
        upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
        db.engine.dispose()


# --- databases ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    migrate_to_head(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """Base URL of a PostgreSQL cluster started for this session, with a migrated template."""
    cluster = Cluster(tmp_path_factory.mktemp("pg") / "cluster")
    if not cluster.available:
        message = (
            "PostgreSQL (initdb/pg_ctl) is not installed: `make test` installs it where it can"
        )
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    base = cluster.start()
    engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE htpm_template"))
    migrate_to_head(f"{base}/htpm_template", tmp_path_factory.mktemp("pg-instance"))
    yield base, engine
    engine.dispose()
    cluster.stop()


def fresh_database(kind: str, request, tmp_path: Path) -> str:
    if kind == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    base, engine = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE htpm_template"))
    request.addfinalizer(lambda: drop_database(engine, name))
    return f"{base}/{name}"


def drop_database(engine, name: str) -> None:
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    return fresh_database(request.param, request, tmp_path)


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on this test's database, with config overrides."""
    apps = []

    def build(**overrides):
        app = create_app(base_config(database_url, tmp_path / "instance", **overrides))
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture(autouse=True)
def fresh_login_per_request(request):
    """In a test, requests run inside the test's app context and so share ``g``, where
    Flask-Login keeps the logged-in user: forget it at the start of each request, as a
    production request (with its own app context) does."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.before_request(lambda: g.pop("_login_user", None) and None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- mail ----------------------------------------------------------------------------------


class Mailbox:
    """Messages received by a real SMTP server (aiosmtpd) on loopback."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.port = free_port()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m.envelope_to]


@pytest.fixture
def mailbox():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def mail_app(make_app, mailbox):
    """An app that sends its mail to the loopback SMTP server."""
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port)
    with app.app_context():
        yield app


# --- browser -------------------------------------------------------------------------------


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(request, tmp_path):
    """The app served on a loopback port (SQLite file database), for the browser."""
    url = fresh_database("sqlite", request, tmp_path)
    app = create_app(base_config(url, tmp_path / "instance", HTPM_BASE_URL="http://127.0.0.1"))
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `make test` installs Debian's chromium where it can"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page; requests leaving loopback are answered by a stub, never sent."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    block_outside(context)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A 375-px-wide phone page."""
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    block_outside(context)
    page = context.new_page()
    yield page
    context.close()


def block_outside(context) -> None:
    def handle(route):
        host = route.request.url.split("/")[2].split(":")[0]
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            route.fulfill(
                status=200,
                content_type="text/html",
                body="<!doctype html><title>Outside</title><p>outside the hub</p>",
            )

    context.route("**/*", handle)
