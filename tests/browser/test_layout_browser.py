"""The shared layout in a real browser: the quick exit and a phone-sized screen."""

import pytest

pytestmark = pytest.mark.browser


def test_quick_exit_button_leaves_for_a_neutral_site(live_server, page):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url("https://www.weather.gov/**")
    assert "weather.gov" in page.url


def test_escape_key_leaves_the_site_and_back_does_not_return_to_the_page(live_server, page):
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail").click()
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.weather.gov/**")
    # The hub page was replaced in history, not left behind it.
    page.go_back()
    assert live_server.url + "/login" not in page.url


def test_skip_link_is_the_first_tab_stop_and_moves_to_the_content(live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_phone_width_has_no_sideways_scrolling(live_server, phone):
    for path in ("/", "/events", "/login"):
        phone.goto(live_server.url + path)
        assert phone.get_by_text("1-888-373-7888").first.is_visible()
        assert phone.get_by_role("link", name="Quick exit").is_visible()
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
