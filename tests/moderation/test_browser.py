"""A moderator logs in and works through a queue of three submissions in Chromium; the
public list then shows exactly the approved one. The pages pass axe-core's checks."""

import pytest
from playwright.sync_api import expect

from htpm_events.accounts.models import User
from htpm_events.events.models import Event
from htpm_events.events.services import apply_data
from htpm_events.extensions import db

from ..builders import event_data
from ..jstools import axe_source

pytestmark = pytest.mark.browser

TITLES = ["Labor Trafficking Webinar", "Buy Cheap Watches", "Community Vigil Downtown"]


def seed(live_server) -> None:
    with live_server.app.app_context():
        user = User(email="mod@example.org", role="moderator")
        user.set_password("correct horse battery")
        db.session.add(user)
        for n, title in enumerate(TITLES):
            event = Event(status="pending", source="form")
            apply_data(
                event,
                event_data(
                    title=title,
                    organization=f"Organization {n}",
                    registration_url=f"https://example.org/register/{n}",
                    start_date=event_data()["start_date"].replace(day=12 + 2 * n),
                    end_date=event_data()["start_date"].replace(day=12 + 2 * n),
                ),
            )
            db.session.add(event)
            db.session.flush()  # created in this order: the queue shows them oldest first
        db.session.commit()


def check_axe(page) -> None:
    page.evaluate(axe_source())
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert problems == []


def test_a_moderator_works_through_a_queue_of_three(live_server, page):
    seed(live_server)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server.url + "/moderate")
    expect(page).to_have_url(live_server.url + "/login?next=%2Fmoderate")
    page.get_by_label("E-mail").fill("mod@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(live_server.url + "/moderate")
    expect(page.locator(".queue-counts")).to_contain_text("3 waiting")
    links = page.locator(".queue-link")
    expect(links).to_have_text(TITLES)
    check_axe(page)

    # The keyboard opens the oldest item.
    page.keyboard.press("j")
    expect(links.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[0])
    expect(page.locator(".mod-preview")).to_contain_text("social workers")
    check_axe(page)
    page.get_by_role("button", name="Approve and publish").click()

    # On to the next item: reject it, and the reason is asked for first.
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[1])
    expect(page.locator(".flash")).to_contain_text(f"Approved “{TITLES[0]}”.")
    page.get_by_role("button", name="Reject", exact=True).click()
    expect(page.locator("#reason-error")).to_have_text(
        "Give a reason: it is required unless you approve."
    )
    expect(page.get_by_label("Reason")).to_be_focused()
    page.get_by_label("Reason").fill("Advertising, not an HTPM event.")
    page.get_by_role("button", name="Reject", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[2])
    page.get_by_label("Reason").fill("Please add the venue's address.")
    page.get_by_role("button", name="Ask for changes").click()

    expect(page).to_have_url(live_server.url + "/moderate")
    expect(page.locator(".flash")).to_contain_text("The queue is empty.")
    expect(page.locator(".empty-queue")).to_be_visible()

    # The public calendar shows exactly the approved one.
    page.goto(live_server.url + "/events")
    body = page.locator("main")
    expect(body).to_contain_text(TITLES[0])
    for title in TITLES[1:]:
        expect(body).not_to_contain_text(title)

    # The audit log tells the story.
    page.goto(live_server.url + "/moderate/log")
    rows = page.locator(".log-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("changes requested")
    expect(rows.nth(1)).to_contain_text("Advertising, not an HTPM event.")
    expect(rows.nth(2)).to_contain_text("approve")
    check_axe(page)
    assert errors == []


def test_a_moderator_merges_a_duplicate_from_its_hint(live_server, page):
    with live_server.app.app_context():
        user = User(email="mod@example.org", role="moderator")
        user.set_password("correct horse battery")
        db.session.add(user)
        for org, url in (("State Task Force", "https://a.example/r"), ("City Coalition", None)):
            event = Event(status="pending", source="form")
            apply_data(
                event,
                event_data(
                    title="Wear Blue Day Rally",
                    organization=org,
                    registration_mode="external" if url else "none",
                    registration_url=url,
                ),
            )
            db.session.add(event)
            db.session.flush()
        db.session.commit()

    page.goto(live_server.url + "/login?next=/moderate/events/2")
    page.get_by_label("E-mail").fill("mod@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator("#duplicates")).to_contain_text("Same title, starts within a day.")
    page.get_by_role("link", name="Merge this event into #1…").click()
    expect(page.get_by_label("Merge into event number")).to_have_value("1")
    page.get_by_role("button", name="Merge", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Wear Blue Day Rally")
    expect(page.locator(".flash")).to_contain_text("into #1")
    expect(page.locator(".mod-preview")).to_contain_text("with City Coalition")
    page.get_by_role("button", name="Approve and publish").click()

    page.goto(live_server.url + "/events")
    expect(page.get_by_role("link", name="Wear Blue Day Rally")).to_have_count(1)
