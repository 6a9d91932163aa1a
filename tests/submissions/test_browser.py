"""A person on a 375-px-wide phone fills the form by its visible labels, previews, submits,
reaches the thank-you page and opens the manage link; the conditional parts follow the
choices; the page passes axe-core's checks."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from htpm_events.events.models import Event
from htpm_events.extensions import db

from ..jstools import axe_source
from .helpers import PDF

pytestmark = pytest.mark.browser


def stored(live_server) -> list[Event]:
    with live_server.app.app_context():
        events = list(db.session.scalars(sa.select(Event).order_by(Event.id)))
        for event in events:
            db.session.expunge(event)
        return events


def no_sideways_scrolling(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_a_person_submits_an_event_on_a_phone(live_server, phone, tmp_path):
    flyer = tmp_path / "Walk flyer.pdf"
    flyer.write_bytes(PDF)
    phone.goto(live_server.url + "/submit")
    no_sideways_scrolling(phone)

    phone.get_by_label("Title").fill("Walk for Freedom — Austin")
    phone.get_by_label("Description").fill("Join us for a **3-mile** walk.")
    phone.get_by_label("Organization").fill("Austin Anti-Trafficking Alliance")
    phone.get_by_label("Level").select_option(label="Community")
    phone.get_by_label("Type of event").select_option(label="Awareness walk")
    phone.get_by_label("Format").select_option(label="In person")
    phone.get_by_label("Awareness", exact=True).check()
    phone.get_by_label("General public").check()
    phone.get_by_label("Start date").fill("2027-01-11")
    phone.get_by_label("Start time").fill("09:00")
    phone.get_by_label("End time").fill("11:30")
    phone.get_by_label("State or territory").select_option(label="Texas")
    # The time zone follows the state.
    assert phone.get_by_label("Time zone").input_value() == "America/Chicago"
    phone.get_by_label("Venue").fill("Republic Square Park")
    phone.get_by_label("Street address").fill("422 Guadalupe St")
    phone.get_by_label("City", exact=True).fill("Austin")
    phone.get_by_label("ZIP code").fill("78701")
    phone.get_by_label("How people register").select_option(label="No registration needed")
    assert not phone.get_by_label("Registration link").is_visible()
    phone.get_by_label("Wheelchair accessible").check()
    phone.get_by_label("Flyer (optional)").set_input_files(str(flyer))
    phone.get_by_label("Contact name").fill("Sam Rivera")
    phone.get_by_label("Contact e-mail").fill("sam@alliance.example")

    phone.get_by_role("button", name="Preview").click()
    preview = phone.get_by_role("region", name="Preview: this is how your listing will look")
    expect(preview).to_be_visible()
    assert "Mon Jan 11 2027, 9:00–11:30 AM CT" in preview.inner_text()
    assert "Republic Square Park" in preview.inner_text()
    assert phone.get_by_label("Title").input_value() == "Walk for Freedom — Austin"
    assert "choose it again" in phone.locator("#field-flyer").inner_text()
    no_sideways_scrolling(phone)
    assert stored(live_server) == []

    phone.get_by_label("Flyer (optional)").set_input_files(str(flyer))
    phone.get_by_role("button", name="Submit event").first.click()
    phone.wait_for_url("**/submit/thanks")
    expect(phone.get_by_role("heading", name="Thank you: your event was received")).to_be_visible()
    no_sideways_scrolling(phone)

    phone.locator(".manage-link a").click()
    expect(phone.get_by_role("heading", name="Status: waiting for review")).to_be_visible()
    assert "Walk for Freedom — Austin" in phone.locator("h1").inner_text()
    no_sideways_scrolling(phone)

    [event] = stored(live_server)
    assert (event.status, event.format, event.timezone) == (
        "pending",
        "in-person",
        "America/Chicago",
    )
    with live_server.app.app_context():
        saved = db.session.get(Event, event.id)
        assert saved.topics == ["awareness"] and saved.accessibility == ["wheelchair"]
        assert saved.flyer.filename == "Walk_flyer.pdf"


def test_the_form_shows_only_the_parts_that_apply(live_server, phone):
    phone.goto(live_server.url + "/submit")
    street = phone.get_by_label("Street address")
    join = phone.get_by_label("Join link")
    start_time = phone.get_by_label("Start time")
    capacity = phone.get_by_label("Capacity")
    until = phone.get_by_label("Repeat until")

    assert not street.is_visible() and join.is_visible()  # virtual by default
    phone.get_by_label("Format").select_option(label="Hybrid")
    assert street.is_visible() and join.is_visible()
    phone.get_by_label("Format").select_option(label="In person")
    assert street.is_visible() and not join.is_visible()

    assert start_time.is_visible()
    phone.get_by_label("All day").check()
    assert not start_time.is_visible()
    phone.get_by_label("All day").uncheck()
    phone.get_by_label("Format").select_option(label="On demand")
    assert not start_time.is_visible()
    assert not phone.get_by_label("Repeats").is_visible()

    phone.get_by_label("Format").select_option(label="Virtual")
    assert not until.is_visible()
    phone.get_by_label("Repeats").select_option(label="Weekly")
    assert until.is_visible() and phone.get_by_label("Number of times").is_visible()

    assert not capacity.is_visible()
    phone.get_by_label("How people register").select_option(label="Through this hub")
    assert capacity.is_visible() and not phone.get_by_label("Registration link").is_visible()

    # A zone picked by hand is not overwritten by the state.
    phone.get_by_label("Time zone").select_option("America/Denver")
    phone.get_by_label("State or territory").select_option(label="California")
    assert phone.get_by_label("Time zone").input_value() == "America/Denver"


def test_a_weekly_event_through_the_browser_stores_its_rrule(live_server, page):
    page.goto(live_server.url + "/submit")
    page.get_by_label("Title").fill("Weekly webinar series")
    page.get_by_label("Organization").fill("Survivor Network")
    page.get_by_label("Level").select_option(label="Community")
    page.get_by_label("State or territory").select_option(label="New York")
    page.get_by_label("Start date").fill("2027-01-06")
    page.get_by_label("Start time").fill("12:00")
    page.get_by_label("End time").fill("13:00")
    page.get_by_label("Repeats").select_option(label="Weekly")
    page.get_by_label("Number of times").fill("4")
    page.get_by_label("Join link").fill("https://example.org/join")
    page.get_by_label("Registration link").fill("https://example.org/register")
    page.get_by_label("Contact name").fill("Ari")
    page.get_by_label("Contact e-mail").fill("ari@example.org")
    page.get_by_role("button", name="Submit event").click()
    page.wait_for_url("**/submit/thanks")
    [event] = stored(live_server)
    assert event.rrule == "FREQ=WEEKLY;COUNT=4"
    assert event.timezone == "America/New_York"


def test_a_mistake_is_announced_and_everything_typed_stays(live_server, phone):
    phone.goto(live_server.url + "/submit")
    phone.get_by_label("Title").fill("Typed title")
    phone.get_by_label("Organization").fill("Typed org")
    phone.get_by_label("Start date").fill("2027-01-20")
    phone.get_by_label("Start time").fill("15:00")
    phone.get_by_label("End time").fill("14:00")
    phone.get_by_label("Contact e-mail").fill("nobody@example.org")
    phone.get_by_role("button", name="Submit event").click()
    summary = phone.get_by_role("alert").filter(has_text="Please check")
    expect(summary).to_be_visible()
    # submit.js moves focus to the summary once the page has loaded: wait for it.
    expect(phone.locator("#error-summary")).to_be_focused()
    assert "The end time is before the start time." in phone.locator("#field-end_time").inner_text()
    assert phone.get_by_label("End time").get_attribute("aria-invalid") == "true"
    assert phone.get_by_label("Title").input_value() == "Typed title"
    assert phone.get_by_label("Organization").input_value() == "Typed org"
    assert phone.get_by_label("Start time").input_value() == "15:00"
    summary.get_by_role("link", name=re.compile("Contact name")).click()
    assert phone.evaluate("location.hash") == "#field-contact_name"
    no_sideways_scrolling(phone)


def test_with_javascript_off_every_part_shows_and_the_form_works(live_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/submit")
        for label in ("Street address", "Join link", "Capacity", "Repeat until", "Start time"):
            expect(page.get_by_label(label)).to_be_visible()
        page.get_by_label("Title").fill("No script needed")
        page.get_by_label("Organization").fill("Plain HTML Society")
        page.get_by_label("Level").select_option(label="Local")
        page.get_by_label("Start date").fill("2027-01-09")
        page.get_by_label("All day").check()
        page.get_by_label("How people register").select_option(label="No registration needed")
        page.get_by_label("Contact name").fill("Jo")
        page.get_by_label("Contact e-mail").fill("jo@example.org")
        page.get_by_role("button", name="Preview").click()
        expect(page.get_by_text("Sat Jan 9 2027, all day")).to_be_visible()
        page.get_by_role("button", name="Submit event").first.click()
        page.wait_for_url("**/submit/thanks")
        page.locator(".manage-link a").click()
        expect(page.get_by_role("heading", name="Status: waiting for review")).to_be_visible()
    finally:
        context.close()
    [event] = stored(live_server)
    assert (event.title, event.all_day) == ("No script needed", True)


def test_the_form_and_its_errors_pass_axe(live_server, page):
    axe = axe_source()
    page.goto(live_server.url + "/submit")
    page.get_by_role("button", name="Submit event").click()  # an empty form: every error
    expect(page.locator("#error-summary")).to_be_visible()
    page.evaluate(axe)
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert problems == []
