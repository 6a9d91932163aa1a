"""Full-text search over title, description and organization name, ranked.

One interface, two engines, the same two search tables kept in sync by triggers (migration
0002): ``events_fts`` (title, description) and ``organizations_fts`` (name), FTS5 virtual
tables on SQLite and ``tsvector`` columns with GIN indexes (schema ``htpm_search``) on
PostgreSQL. One exception: on SQLite a new event's row is written by :func:`index_events`
(from a flush hook for the ORM, from the importer for its bulk inserts), not by a trigger
(migration 0014): FTS5 run from a trigger writes its index anew for every row, ~0.17 ms an
event against ~0.03 ms for the same rows in one statement. Both stem English
words ("trainings" finds "training"), ignore case and accents, drop common stop words, and
treat the last word typed as a prefix ("traff" finds "trafficking").

The text a visitor types is never handed to either query language: it is cut into words
(letters and digits only), so input such as ``"`` or ``AND(`` cannot cause a syntax error.
Every word must match (AND); a word matches an event when its title, its description or
its organization's name holds it.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..extensions import db
from .models import Event

MAX_TERMS = 10
#: Title matches count ten times a description match (SQLite's bm25 column weights).
SQLITE_WEIGHTS = "10.0, 1.0"

#: PostgreSQL's English stop words (snowball), dropped on both engines so that they
#: behave alike: a query of stop words only matches nothing.
_STOPWORD_TEXT = """i me my myself we our ours ourselves you your yours yourself yourselves he
    him his himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

#: PostgreSQL's text search configuration (migration 0002): english, accents ignored.
PG_CONFIG = "'htpm_english'::regconfig"
PG_EVENTS = sa.table(
    "events_fts", sa.column("event_id"), sa.column("document"), schema="htpm_search"
)
PG_ORGS = sa.table(
    "organizations_fts", sa.column("organization_id"), sa.column("document"), schema="htpm_search"
)


def search_terms(q: str) -> list[tuple[str, bool]]:
    """(word, is_prefix) pairs: letters and digits only, stop words dropped, at most ten;
    the last word typed is a prefix."""
    words = re.findall(r"[^\W_]+", (q or "").lower())
    terms = [w for w in dict.fromkeys(words) if w not in STOPWORDS][:MAX_TERMS]
    if not terms:
        return []
    last_typed = words[-1]
    return [(w, w == last_typed and len(w) >= 2) for w in terms]


def dialect() -> str:
    return db.session.get_bind().dialect.name


def search_condition(q: str):
    """A WHERE clause on :class:`Event`: every word of ``q`` is in the title, the
    description or the organization's name. Nothing matches a query without words."""
    terms = search_terms(q)
    if not terms:
        return sa.false()
    build = _pg_term if dialect() == "postgresql" else _sqlite_term
    return sa.and_(*(build(word, prefix) for word, prefix in terms))


def search_score(q: str):
    """A subquery (``event_id``, ``score``) of events whose own text matches any word of
    ``q``, higher score first. Outer-join it: events matched only through their
    organization's name have no row (score them 0)."""
    terms = search_terms(q)
    if not terms:
        return None
    if dialect() == "postgresql":
        tsq = _tsquery(" | ".join(f"{w}:*" if prefix else w for w, prefix in terms))
        return (
            sa.select(
                PG_EVENTS.c.event_id.label("event_id"),
                sa.func.ts_rank(PG_EVENTS.c.document, tsq).label("score"),
            )
            .where(PG_EVENTS.c.document.op("@@")(tsq))
            .subquery("search_rank")
        )
    match = " OR ".join(_fts_phrase(w, prefix) for w, prefix in terms)
    return (
        sa.text(
            f"SELECT rowid AS event_id, -bm25(events_fts, {SQLITE_WEIGHTS}) AS score "
            "FROM events_fts WHERE events_fts MATCH :match"
        )
        .bindparams(sa.bindparam("match", match, unique=True))
        .columns(event_id=sa.Integer, score=sa.Float)
        .subquery("search_rank")
    )


# --- SQLite FTS5 ---------------------------------------------------------------------------


def index_events(events, connection) -> None:
    """Index new events (each with its ``id``, ``title`` and ``description``) on SQLite, in
    one statement; PostgreSQL's trigger does it there."""
    if connection.dialect.name != "sqlite" or not events:
        return
    connection.exec_driver_sql(
        "INSERT INTO events_fts (rowid, title, description) VALUES (?, ?, ?)",
        [(event.id, event.title, event.description) for event in events],
    )


@sa.event.listens_for(Session, "after_flush")
def _index_new_events(session: Session, flush_context) -> None:
    new = [obj for obj in session.new if isinstance(obj, Event)]
    if new:
        index_events(new, session.connection())


def _fts_phrase(word: str, prefix: bool) -> str:
    """An FTS5 string (double-quoted, quotes doubled): never read as query syntax."""
    return '"' + word.replace('"', '""') + '"' + ("*" if prefix else "")


def _fts_ids(table: str, word: str, prefix: bool):
    return (
        sa.text(f"SELECT rowid FROM {table} WHERE {table} MATCH :match")
        .bindparams(sa.bindparam("match", _fts_phrase(word, prefix), unique=True))
        .columns(rowid=sa.Integer)
    )


def _sqlite_term(word: str, prefix: bool):
    return sa.or_(
        Event.id.in_(_fts_ids("events_fts", word, prefix)),
        Event.organization_id.in_(_fts_ids("organizations_fts", word, prefix)),
    )


# --- PostgreSQL ----------------------------------------------------------------------------


def _tsquery(text: str):
    return sa.func.to_tsquery(sa.literal_column(PG_CONFIG), sa.bindparam("tsq", text, unique=True))


def _pg_term(word: str, prefix: bool):
    tsq = _tsquery(f"{word}:*" if prefix else word)
    return sa.or_(
        # A word PostgreSQL still finds empty (a stop word of its own) is ignored.
        sa.func.numnode(tsq) == 0,
        Event.id.in_(sa.select(PG_EVENTS.c.event_id).where(PG_EVENTS.c.document.op("@@")(tsq))),
        Event.organization_id.in_(
            sa.select(PG_ORGS.c.organization_id).where(PG_ORGS.c.document.op("@@")(tsq))
        ),
    )
