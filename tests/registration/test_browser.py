"""In Chromium: a person registers by the visible labels, opens the cancel link from the
e-mail, cancels with the button, and the place is free again; the form and its error state
pass axe-core's WCAG 2.1 AA checks."""

from __future__ import annotations

import email
import email.policy
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from htpm_events.events.models import Event
from htpm_events.events.services import apply_data, publish
from htpm_events.extensions import db

from ..builders import event_data
from .conftest import soon

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent.parent / "js" / "node_modules" / "axe-core" / "axe.min.js"


def hub_event_in(live_server, capacity: int = 1) -> int:
    with live_server.app.app_context():
        event = Event(source="form")
        apply_data(
            event,
            event_data(
                title="Support circle",
                registration_mode="hub",
                registration_url="",
                capacity=capacity,
                start_date=soon(),
                end_date=soon(),
            ),
        )
        db.session.add(event)
        publish(event)
        db.session.commit()
        return event.id


def mails(live_server) -> list:
    folder = Path(live_server.app.instance_path) / "mail"
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def axe_problems(page) -> list:
    if not AXE.exists():
        if os.environ.get("HTPM_REQUIRE_BROWSER") == "1":
            pytest.fail("axe-core is missing: `make test` installs it (npm ci in tests/js)")
        pytest.skip("axe-core is installed by `make test`")
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def test_a_person_registers_cancels_from_the_email_and_the_place_is_free_again(live_server, phone):
    event_id = hub_event_in(live_server, capacity=1)
    phone.goto(f"{live_server.url}/events/{event_id}/register")
    expect(phone.get_by_text("1 of 1 places left")).to_be_visible()
    phone.get_by_label("Your name").fill("Rosa Díaz")
    phone.get_by_label("E-mail", exact=True).fill("rosa@example.org")
    phone.get_by_label("Accessibility or interpretation needs (optional)").fill("Spanish")
    phone.get_by_label("I agree").check()
    phone.get_by_role("button", name="Register").click()
    expect(phone.get_by_role("heading", name="You are registered")).to_be_visible()

    [confirmation] = mails(live_server)
    text = confirmation.get_body(("plain",)).get_content()
    link = re.search(r"http://127\.0\.0\.1(/registration/\S+)", text).group(1)
    phone.goto(f"{live_server.url}/events/{event_id}/register")
    expect(phone.get_by_text("Every place is taken")).to_be_visible()

    phone.goto(live_server.url + link)
    expect(phone.get_by_text("you are registered")).to_be_visible()
    phone.get_by_role("button", name="Cancel my registration").click()
    expect(phone.get_by_text("This registration is cancelled")).to_be_visible()
    phone.goto(f"{live_server.url}/events/{event_id}/register")
    expect(phone.get_by_text("1 of 1 places left")).to_be_visible()


def test_the_form_and_its_error_state_pass_axe(live_server, page):
    event_id = hub_event_in(live_server, capacity=5)
    page.goto(f"{live_server.url}/events/{event_id}/register")
    assert axe_problems(page) == []
    page.get_by_role("button", name="Register").click()  # empty: every error
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.get_by_text("Enter your name.").first).to_be_visible()
    assert axe_problems(page) == []
