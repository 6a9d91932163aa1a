"""A moderator uploads a spreadsheet in Chromium: the dry run tells what would happen and
saves nothing, a bad file lists its lines, and applying brings the events to the queue."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from htpm_events.accounts.models import User
from htpm_events.events.models import Event
from htpm_events.extensions import db

from ..moderation.test_browser import check_axe
from .test_pages import sample_rows

pytestmark = pytest.mark.browser


def count(live_server) -> int:
    with live_server.app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Event))


def test_moderator_uploads_a_csv_checks_it_and_applies_it(live_server, page, tmp_path):
    with live_server.app.app_context():
        user = User(email="mod@example.org", role="moderator")
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text(sample_rows(3).replace("virtual", "sideways", 1), encoding="utf-8")
    good = tmp_path / "events.csv"
    good.write_text(sample_rows(3), encoding="utf-8")

    page.goto(live_server.url + "/moderate/sources")
    page.get_by_label("E-mail").fill("mod@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Upload a CSV or .ics file").click()
    check_axe(page)

    page.get_by_label("CSV or .ics file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".dry-run .summary")).to_contain_text("1 error")
    expect(page.locator(".dry-run .errors")).to_contain_text("line 2, column format")
    expect(page.get_by_role("button", name="Apply: import these events")).to_have_count(0)
    assert count(live_server) == 0

    page.get_by_label("CSV or .ics file").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".dry-run .summary")).to_contain_text(
        "3 new, 0 changed, 0 cancelled, 0 unchanged, 0 errors"
    )
    check_axe(page)
    assert count(live_server) == 0  # the dry run saved nothing
    page.get_by_role("button", name="Apply: import these events").click()
    expect(page.locator(".flash")).to_contain_text("3 created")
    expect(page.locator(".queue-link")).to_have_count(3)
    assert count(live_server) == 3
