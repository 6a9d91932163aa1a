"""The description's plain text is stored with the event (``events.description_text``):
the feeds read it instead of converting the Markdown on every cold build."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from htpm_events.events.models import Event
from htpm_events.extensions import db
from htpm_events.text import markdown_to_text

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
