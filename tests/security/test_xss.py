"""User text reaches HTML only escaped or sanitized: titles, organization names,
descriptions (Markdown → nh3), JSON-LD, reflected query values, the moderators' pages, the
Atom feed; e-mails are plain text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from ..moderation.conftest import hold_change  # noqa: F401  (a fixture)
from ..submissions.helpers import form, submit

TITLE = '</script><script>alert("t")</script><!--x'
ORG = '<img src=x onerror=alert("o")> & Co'
DESCRIPTION = """<script>alert("d")</script>

[click](javascript:alert("d")) [data](data:text/html,<script>alert(1)</script>) [vb](vbscript:x)

![tracker](https://evil.example/t.png)

<iframe src="https://evil.example/"></iframe>

<a href="javascript:alert(1)">raw</a> <b onmouseover="alert(1)">b</b>

[ok](https://example.org/ok "t\\" onmouseover=\\"alert(1)")
"""
SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:", "sms:", "webcal://", "/", "#", "?")


class Tags(HTMLParser):
    """Every start tag with its (unescaped) attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_safe_html(html: str, where: str) -> None:
    assert "<script>alert" not in html, where
    parser = Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("img", "iframe", "object", "embed", "svg"), (where, tag)
        if tag == "script":
            assert dict(attrs).get("type") == "application/ld+json" or "src" in dict(attrs)
        for name, value in attrs:
            assert not name.startswith("on"), (where, tag, name)
            if name in ("href", "src", "action", "formaction") and value:
                assert value.strip().startswith(SAFE_SCHEMES), (where, tag, value)


@pytest.fixture
def hostile(make_event):
    return make_event(
        title=TITLE,
        organization=ORG,
        description=DESCRIPTION,
        venue_name='"><script>alert("v")</script>',
        address="100 Main <b>Street</b>",
        city="Louisville",
        postal_code="40202",
        format="hybrid",
        cost="<script>alert('c')</script>",
        ce_credits="' onmouseover='alert(1)",
    )


def test_public_pages_escape_every_field(client, hostile):
    window = "from=2027-01-01&to=2027-01-31"
    pages = [
        f"/events/{hostile.id}",
        f"/events/{hostile.id}/some-other-slug",
        f"/events?{window}",
        f"/events?{window}&q=labor",
        f"/events?{window}&org={hostile.organization.slug}",
        "/calendar/2027/1",
        f"/embed/events?{window}",
        f"/feeds?org={hostile.organization.slug}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_safe_html(response.get_data(as_text=True), path)


def test_json_ld_cannot_close_its_script_block(client, hostile):
    html = client.get(f"/events/{hostile.id}").get_data(as_text=True)
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    block = blocks[0]
    assert "</script" not in block.lower() and "<!--" not in block
    data = json.loads(block)
    assert data["name"] == TITLE
    assert data["organizer"]["name"] == ORG


def test_the_description_is_sanitized_everywhere(client, hostile):
    page = client.get(f"/events/{hostile.id}").get_data(as_text=True)
    about = page.split('id="about-heading"', 1)[1].split("</section>", 1)[0]
    assert '<a href="https://example.org/ok"' in about  # a safe link survives
    assert 'rel="nofollow noopener noreferrer"' in about
    api = client.get(f"/api/v1/events/{hostile.id}").get_json()
    assert api["description"].strip() == DESCRIPTION.strip()  # the Markdown as submitted
    assert_safe_html(api["description_html"], "API description_html")


@pytest.mark.parametrize(
    "query",
    [
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "level=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "from=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "org=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    ],
)
def test_reflected_query_values_are_escaped(client, query):
    for path in ("/events", "/calendar/2027/1", "/embed/events", "/feeds"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), path
        assert_safe_html(response.get_data(as_text=True), f"{path}?{query}")


def test_the_atom_feed_carries_the_text_as_text(client, hostile):
    body = client.get("/feeds/events.atom?from=2027-01-01").data
    root = ET.fromstring(body)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.text for e in root.iterfind("a:entry/a:title", ns)]
    assert titles == [TITLE]


def test_moderation_pages_escape_every_field(app, admin_of, make_event, hold_change):  # noqa: F811
    pending = make_event(status="pending", title=TITLE, organization=ORG, description=DESCRIPTION)
    published = make_event(title="Plain title")
    hold_change(published, title=TITLE, description=DESCRIPTION, cost="<script>x</script>")
    client = admin_of(app)
    for path in (
        "/moderate",
        f"/moderate/events/{pending.id}",
        f"/moderate/events/{published.id}",
        f"/moderate/events/{pending.id}/edit",
        f"/moderate/events/{pending.id}/merge",
        "/moderate/organizations",
        "/moderate/organizations?q=%3Cscript%3E",
        "/moderate/log",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_safe_html(response.get_data(as_text=True), path)


def test_submission_preview_and_manage_page_escape_every_field(client):
    typed = form(title=TITLE, organization=ORG, description=DESCRIPTION)
    preview = client.post("/submit", data={**typed, "preview": "1"})
    assert preview.status_code == 200
    assert_safe_html(preview.get_data(as_text=True), "preview")
    path = submit(client, title=TITLE, organization=ORG, description=DESCRIPTION)
    assert_safe_html(client.get(path).get_data(as_text=True), "manage")
    assert_safe_html(client.get(path + "/edit").get_data(as_text=True), "edit")


def test_e_mails_are_plain_text(mail_app, mailbox):
    client = mail_app.test_client()
    submit(client, title="<b>Bold</b> & co", contact_email="plain@county.example")
    [message] = mailbox.to("plain@county.example")
    assert message.get_content_type() == "text/plain"
    assert not [part for part in message.walk() if part.get_content_type() == "text/html"]
    text = message.get_content()
    assert "<b>Bold</b> & co" in text  # as typed: neither HTML nor HTML-escaped
