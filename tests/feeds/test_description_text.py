"""The description's plain text is stored with the event (``events.description_text``):
the feeds read it instead of converting the Markdown on every cold build."""

from __future__ import annotations

import html as html_module
import re
from pathlib import Path
from random import Random

import nh3
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from htpm_events.events.models import Event
from htpm_events.extensions import db
from htpm_events.text import _md, markdown_to_text

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def test_the_plain_text_follows_every_change_of_the_description(make_event):
    event = make_event(description="A [webinar](https://example.org/w) for **nurses**.")
    assert event.description_text == "A webinar for nurses."
    event.description = "# Agenda\n\n1. Welcome\n2. Q&A"
    assert event.description_text == "Agenda\n\nWelcome\n\nQ&A"
    assert event.description_text == markdown_to_text(event.description)
    event.description = ""
    assert event.description_text == ""


def test_the_migration_fills_the_plain_text_of_existing_events(make_event, january_event, feed):
    described = january_event(description="Bring **two** forms & a pen.")
    blank = january_event(day=15, description="")
    body = feed()
    ids = described.id, blank.id
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0012")
    upgrade(directory=MIGRATIONS)
    stored = dict(db.session.execute(sa.select(Event.id, Event.description_text)).all())
    assert stored[ids[0]] == "Bring two forms & a pen."
    assert stored[ids[1]] == ""
    db.session.execute(sa.text("DELETE FROM feed_pieces"))
    db.session.commit()
    assert feed() == body  # subscribers see the same DESCRIPTION, byte for byte


def html_without_tags(markdown: str) -> str:
    """The plain text as the rendered HTML states it: each block's closing tag and each
    ``<br>`` a line break, every tag removed by a sanitizer, entities decoded."""
    html = _md.render(markdown)
    html = re.sub(r"</(p|li|h\d|blockquote|pre|tr)>", "\n", html)
    html = re.sub(r"<br\s*/?>", "\n", html)
    plain = html_module.unescape(nh3.clean(html, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", plain).strip()


PIECES = [
    "*", "**", "_", "`", "```\n", "~~~", "# ", "## ", "> ", "- ", "* ", "1. ", "2) ", "    ",
    "\t", "\n", "\n\n", "| a | b |\n|---|:-:|\n", "|", "---\n", "===", "[", "](", ")", "![",
    "<", ">", "&", "&amp;", "&nbsp;", "&#x26;", "\\", "<http://a.example>", "<p>", "<br>",
    "[a](https://example.org \"t\")", "[r]: https://example.org/r\n", "[r]", "javascript:x",
    "word", "Über", "😀", "\u00a0", "\r\n", "  \n", "\\\n", "<!-- c -->", "&copy;", "`c`",
]  # fmt: skip


def test_the_plain_text_is_the_rendered_html_without_its_tags():
    """markdown_to_text writes the text from the parsed tokens; it must say what the page's
    HTML says: lists, tables, code, images, breaks, entities and raw HTML (shown as text)."""
    cases = [
        "Intro\n\n- one\n- two\n\n  > quoted\n\n1. first\n\n   para\n2. second",
        "| Day | Time |\n|---|--:|\n| Mon | 9 am |\n\nAfter",
        "```js\nif (a < b && c) {}\n```\n\n    indented <code>\n\nText  \nbreak\\\nend",
        "![alt **text**](https://example.org/i.png) caption & <b>bold</b> &lt;x&gt;",
        "# H1\nSetext\n===\n\n***\n\n<div>raw</div>\n\n[link](javascript:alert(1))",
    ]
    random = Random(2026)
    for _ in range(1500):
        cases.append("".join(random.choice(PIECES) for _ in range(random.randint(1, 30))))
    for case in cases:
        assert markdown_to_text(case) == html_without_tags(case), case
