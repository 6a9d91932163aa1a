"""Full-text search (q=): title, description and organization name, stemmed and ranked,
on SQLite FTS5 and PostgreSQL full-text search alike; odd input never breaks it."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from htpm_events.events.models import Organization
from htpm_events.extensions import db

from ..builders import default_day
from .helpers import agenda_titles, parse

Y = default_day().year  # the builders' default events are in its January
WINDOW = f"from={Y}-01-01&to={Y}-12-31"


@pytest.fixture
def library(make_event):
    make_event(title="Recognizing Labor Trafficking", organization="Ohio Attorney General",
               description="Warning signs on farms and in restaurants.")  # fmt: skip
    make_event(title="Youth Outreach Panel", organization="Kentucky Youth Coalition",
               description="How traffickers recruit online through gaming platforms.",
               start_date=date(Y, 1, 15), end_date=date(Y, 1, 15))  # fmt: skip
    make_event(title="Café Conversation", organization="Société Civile Québec",
               description="Survivors share their stories.",
               start_date=date(Y, 1, 16), end_date=date(Y, 1, 16))  # fmt: skip


def found(client, q: str) -> list[str]:
    response = client.get("/events", query_string=f"{WINDOW}&q={q}")
    assert response.status_code == 200
    return agenda_titles(response.data)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("labor", ["Recognizing Labor Trafficking"]),  # title
        ("restaurants", ["Recognizing Labor Trafficking"]),  # description
        ("gaming", ["Youth Outreach Panel"]),
        ("attorney", ["Recognizing Labor Trafficking"]),  # organization name
        ("Kentucky", ["Youth Outreach Panel"]),
        ("recruiting", ["Youth Outreach Panel"]),  # stemmed: recruit
        ("RESTAURANT", ["Recognizing Labor Trafficking"]),  # case and plural
        ("cafe", ["Café Conversation"]),  # accents
        ("traff", ["Recognizing Labor Trafficking", "Youth Outreach Panel"]),  # prefix, last word
        ("kentucky gaming", ["Youth Outreach Panel"]),  # every word, across fields
        ("ohio gaming", []),
        ("zebra", []),
    ],
)
def test_search_finds_words_in_title_description_and_organization(client, library, q, expected):
    assert found(client, q) == expected


@pytest.mark.parametrize(
    "q",
    ['"', "AND(", "NEAR(", "*", "labor OR", '"unbalanced', "-labor", "col:labor", "a'b", "%_",
     "(", "^", "!!", "labor & ", "<script>", "🙂", "\\"],
)  # fmt: skip
def test_odd_characters_never_break_the_search(client, library, q):
    response = client.get("/events", query_string={"q": q, "from": f"{Y}-01-01"})
    assert response.status_code == 200
    api = client.get("/api/v1/events", query_string={"q": q, "from": f"{Y}-01-01"})
    assert api.status_code == 200


def test_punctuation_around_a_word_still_finds_it(client, library):
    assert found(client, '"labor"') == ["Recognizing Labor Trafficking"]
    assert found(client, "labor)") == ["Recognizing Labor Trafficking"]


def test_a_query_of_only_stop_words_or_symbols_matches_nothing(client, library):
    assert found(client, "the") == []
    assert found(client, "%22") == []


def test_changes_are_indexed_at_once(client, library):
    event = db.session.scalar(sa.select(Organization).where(Organization.name.like("Ohio%")))
    event.name = "Buckeye State Task Force"
    db.session.commit()
    assert found(client, "buckeye") == ["Recognizing Labor Trafficking"]
    assert found(client, "attorney") == []

    from htpm_events.events.models import Event

    panel = db.session.scalar(sa.select(Event).where(Event.title == "Youth Outreach Panel"))
    panel.title = "Parents Night"
    panel.description = "Talking with teenagers."
    db.session.commit()
    assert found(client, "teenagers") == ["Parents Night"]
    assert found(client, "gaming") == []
    db.session.delete(panel)
    db.session.commit()
    assert found(client, "teenagers") == []


def test_best_matches_put_title_matches_first(client, make_event):
    make_event(title="Workshop on shelters", description="Trafficking survivors need housing.",
               start_date=date(Y, 1, 10), end_date=date(Y, 1, 10))  # fmt: skip
    make_event(title="Trafficking and housing", description="A panel.",
               start_date=date(Y, 1, 20), end_date=date(Y, 1, 20))  # fmt: skip
    doc = parse(client.get(f"/events?{WINDOW}&q=housing").data)
    best = [a.find("a").text for a in doc.find("section", cls="best-matches").find_all("article")]
    assert best == ["Trafficking and housing", "Workshop on shelters"]
    # The dated list keeps its date order.
    assert agenda_titles(client.get(f"/events?{WINDOW}&q=housing").data) == [
        "Workshop on shelters",
        "Trafficking and housing",
    ]


def test_search_works_the_same_in_the_api(client, library):
    data = client.get(f"/api/v1/events?{WINDOW}&q=kentucky").get_json()
    assert [item["title"] for item in data["events"]] == ["Youth Outreach Panel"]


def test_sqlite_keeps_the_search_tables_in_sync_with_triggers(app):
    """A later migration that rebuilds `events` or `organizations` on SQLite must recreate
    these triggers (see migrations/versions/0002_full_text_search.py). A new event is
    indexed by the app in one statement instead (migration 0014, ``index_events``)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's FTS5 triggers")
    names = set(db.session.scalars(sa.text("SELECT name FROM sqlite_master WHERE type='trigger'")))
    assert {
        "events_fts_update", "events_fts_delete",
        "organizations_fts_insert", "organizations_fts_update", "organizations_fts_delete",
    } <= names  # fmt: skip
    assert "events_fts_insert" not in names


def test_postgresql_uses_the_full_text_indexes(app, library):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's GIN indexes")
    from htpm_events.events.models import Event
    from htpm_events.events.search import search_condition

    db.session.execute(sa.text("SET enable_seqscan = off"))
    query = sa.select(Event.id).where(search_condition("labor"))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.scalars(sa.text(f"EXPLAIN {compiled}")))
    assert "ix_events_fts_document" in plan and "ix_organizations_fts_document" in plan


def test_the_search_migration_downgrades_and_upgrades_again(app, library, client):
    from pathlib import Path

    from flask_migrate import downgrade, upgrade

    directory = str(Path(__file__).parents[2] / "migrations")
    db.session.remove()
    downgrade(directory=directory, revision="0001")
    upgrade(directory=directory)
    # The existing rows are indexed again by the upgrade.
    assert found(client, "gaming") == ["Youth Outreach Panel"]
    assert found(client, "attorney") == ["Recognizing Labor Trafficking"]
