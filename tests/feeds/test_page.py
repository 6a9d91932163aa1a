"""The Feeds page: how to subscribe, ready links, and a builder that works without script."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from htpm_events import vocab

from ..conftest import block_outside
from ..jstools import axe_source


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def test_page_explains_subscribing_in_each_calendar_app(client):
    response = client.get("/feeds")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for app_name in (
        "Google Calendar",
        "Apple Calendar on a Mac",
        "Apple Calendar on iPhone or iPad",
        "Outlook on the web",
        "Classic Outlook for Windows",
        "Thunderbird",
    ):
        assert f">{app_name}" in html
    assert "Subscribe from web" in html and "New Calendar Subscription" in html
    assert "On the Network" in html and "From URL" in html


def test_ready_links_for_all_federal_states_with_events_and_focus_topics(january_event, client):
    january_event(state="CA")
    january_event(state="KY")
    january_event(state="TX", status="pending")
    html = client.get("/feeds").get_data(as_text=True)
    hrefs = links(html)
    base = "http://localhost/feeds/events.ics"
    for query in ("", "?level=federal", "?state=CA", "?state=KY"):
        assert base + query in hrefs
        webcal = "webcal://localhost/feeds/events.ics" + query
        assert webcal in hrefs
        assert "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="") in hrefs
    assert base + "?state=TX" not in hrefs  # no approved event there
    assert "California events" in html and "Kentucky events" in html
    for topic in list(vocab.TOPICS)[:6]:
        assert f"{base}?topic={topic}" in hrefs
        assert vocab.TOPICS[topic] in html
    assert f"{base}?topic=immigration" not in hrefs  # not a focus-week theme


def test_builder_shows_the_feed_of_the_chosen_filters_without_script(client):
    html = client.get("/feeds?level=federal&state=ca&topic=awareness&free=1").get_data(as_text=True)
    expected = "http://localhost/feeds/events.ics?level=federal&state=CA&topic=awareness&free=1"
    assert f'value="{expected}"' in unescape(html)
    assert "HTPM events — federal, CA, awareness, free" in html
    google = unescape(re.search(r'data-feed="google" href="([^"]+)"', html).group(1))
    cid = parse_qs(urlsplit(google).query)["cid"][0]
    assert (
        cid == "webcal://localhost/feeds/events.ics?level=federal&state=CA&topic=awareness&free=1"
    )
    # The choices stay selected.
    assert re.search(r'value="federal"\s+checked', html)
    assert re.search(r'<option value="CA" selected>', html)


def test_builder_names_a_bad_value(client):
    response = client.get("/feeds?level=galactic")
    assert response.status_code == 400
    assert "galactic" in response.get_data(as_text=True)


def test_page_has_no_inline_script_or_style(client):
    response = client.get("/feeds")
    html = response.get_data(as_text=True)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert "/static/feeds.js" in html
    loaded = re.findall(r'<(?:script|link|img|iframe|source)\b[^>]*(?:src|href)="([^"]+)"', html)
    assert loaded and not [url for url in loaded if re.match(r"^(https?:)?//", url)]


@pytest.mark.browser
def test_builder_updates_the_links_as_choices_change(live_server, page):
    page.goto(live_server.url + "/feeds")
    page.get_by_role("group", name="Level").get_by_label("Federal").check()
    page.get_by_label("State or territory").select_option(["CA", "AL"])
    address = page.get_by_label("Feed address (https) to paste into your calendar app")
    expected = "http://127.0.0.1/feeds/events.ics?level=federal&state=AL&state=CA"
    assert address.input_value() == expected
    google = page.get_by_role("link", name="Add to Google Calendar").get_attribute("href")
    webcal = "webcal://127.0.0.1/feeds/events.ics?level=federal&state=AL&state=CA"
    assert google == "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
    assert page.locator('[data-feed="name"]').text_content() == "HTPM events — federal, AL, CA"


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
def test_feeds_page_has_no_serious_accessibility_problem_and_fits_a_phone(
    live_server, browser, width
):
    axe = axe_source()
    # axe-core is injected inline, which the hub's CSP rightly forbids: bypass it here.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    block_outside(context)
    page = context.new_page()
    page.goto(live_server.url + "/feeds?level=federal")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    page.add_script_tag(content=axe)
    problems = page.evaluate(
        """async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.help + ' @ '
                 + v.nodes.map(n => n.target.join(' ')).join(', '));
    }"""
    )
    context.close()
    assert problems == []
