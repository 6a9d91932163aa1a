"""full-text search over events (title, description) and organizations (name)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 00:00:00

Both databases get the same two search tables, keyed by the row they index and kept in
sync by triggers, so that the schema of the models' own tables is untouched:

* ``events_fts``: an event's title (weighted most) and description;
* ``organizations_fts``: an organization's name.

An event matches a word when its title, its description or its organization's name holds
it (:mod:`htpm_events.events.search`). Organization names get their own table rather than
a copy in every event's row: a rename (rare) re-indexes one row, at once.

SQLite: FTS5 virtual tables (rowid = the event's or organization's id; tokenizer
``porter unicode61 remove_diacritics 2``: English stems, no case, no accents). Each table's
triggers touch only its own FTS table, so neither table's triggers name the other table:
SQLite refuses ``ALTER TABLE … RENAME`` while any trigger names a missing table, which is
what Alembic's batch mode does when it recreates a table.

    Caution for later migrations: a batch operation that *recreates* ``events`` or
    ``organizations`` on SQLite (dropping or altering a column) drops that table's
    triggers with it. Such a migration must call ``create_sqlite_triggers()`` of this file
    again afterwards (``tests/calendar/test_search.py`` checks the triggers at head).

PostgreSQL: tables of ``tsvector`` documents with GIN indexes in their own schema,
``htpm_search`` (so that autogenerate, which compares the default schema with the models,
never sees them), filled by PL/pgSQL triggers on ``events`` and ``organizations`` (rows go
with their event or organization through ``ON DELETE CASCADE``), in the text search
configuration ``htpm_english``: PostgreSQL's ``english`` with the ``unaccent`` dictionary
in front, so that "cafe" finds "Café" as on SQLite. Where the ``unaccent`` extension
cannot be installed (a trusted contrib extension, normally available) it is plain
``english``.

The search tables are not models: on SQLite ``migrations/env.py`` should leave names
containing ``_fts`` out of autogenerate (FTS5 adds ``events_fts_data`` and the like).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "events_fts_insert": """
        CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
          INSERT INTO events_fts (rowid, title, description)
          VALUES (new.id, new.title, new.description);
        END""",
    "events_fts_update": """
        CREATE TRIGGER events_fts_update AFTER UPDATE OF title, description ON events BEGIN
          DELETE FROM events_fts WHERE rowid = old.id;
          INSERT INTO events_fts (rowid, title, description)
          VALUES (new.id, new.title, new.description);
        END""",
    "events_fts_delete": """
        CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
          DELETE FROM events_fts WHERE rowid = old.id;
        END""",
    "organizations_fts_insert": """
        CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations BEGIN
          INSERT INTO organizations_fts (rowid, name) VALUES (new.id, new.name);
        END""",
    "organizations_fts_update": """
        CREATE TRIGGER organizations_fts_update AFTER UPDATE OF name ON organizations BEGIN
          DELETE FROM organizations_fts WHERE rowid = old.id;
          INSERT INTO organizations_fts (rowid, name) VALUES (new.id, new.name);
        END""",
    "organizations_fts_delete": """
        CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations BEGIN
          DELETE FROM organizations_fts WHERE rowid = old.id;
        END""",
}

PG_EVENT_DOCUMENT = (
    "setweight(to_tsvector('htpm_english', coalesce({row}.title, '')), 'A') || "
    "setweight(to_tsvector('htpm_english', coalesce({row}.description, '')), 'C')"
)
PG_ORG_DOCUMENT = "to_tsvector('htpm_english', coalesce({row}.name, ''))"

PG_TABLES = """
CREATE SCHEMA htpm_search;
CREATE TABLE htpm_search.events_fts (
    event_id integer PRIMARY KEY REFERENCES public.events (id) ON DELETE CASCADE,
    document tsvector NOT NULL
);
CREATE INDEX ix_events_fts_document ON htpm_search.events_fts USING gin (document);
CREATE TABLE htpm_search.organizations_fts (
    organization_id integer PRIMARY KEY REFERENCES public.organizations (id) ON DELETE CASCADE,
    document tsvector NOT NULL
);
CREATE INDEX ix_organizations_fts_document
    ON htpm_search.organizations_fts USING gin (document);

CREATE FUNCTION htpm_search.events_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO htpm_search.events_fts (event_id, document) VALUES (NEW.id, {event_doc})
    ON CONFLICT (event_id) DO UPDATE SET document = EXCLUDED.document;
    RETURN NULL;
END $$;
CREATE TRIGGER events_fts_sync AFTER INSERT OR UPDATE OF title, description ON public.events
    FOR EACH ROW EXECUTE FUNCTION htpm_search.events_fts_sync();

CREATE FUNCTION htpm_search.organizations_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO htpm_search.organizations_fts (organization_id, document)
    VALUES (NEW.id, {org_doc})
    ON CONFLICT (organization_id) DO UPDATE SET document = EXCLUDED.document;
    RETURN NULL;
END $$;
CREATE TRIGGER organizations_fts_sync AFTER INSERT OR UPDATE OF name ON public.organizations
    FOR EACH ROW EXECUTE FUNCTION htpm_search.organizations_fts_sync();

INSERT INTO htpm_search.events_fts (event_id, document)
    SELECT e.id, {event_row_doc} FROM public.events e;
INSERT INTO htpm_search.organizations_fts (organization_id, document)
    SELECT o.id, {org_row_doc} FROM public.organizations o;
"""


def create_sqlite_triggers():
    for name, ddl in SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(ddl)


def create_pg_configuration():
    """``htpm_english``: English stemming and stop words, accents ignored when it can."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
        unaccent = True
    except sa.exc.DBAPIError:
        unaccent = False
    op.execute("CREATE TEXT SEARCH CONFIGURATION htpm_english (COPY = english)")
    if unaccent:
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION htpm_english "
            "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem"
        )


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        tokenize = "tokenize = 'porter unicode61 remove_diacritics 2'"
        op.execute(f"CREATE VIRTUAL TABLE events_fts USING fts5(title, description, {tokenize})")
        op.execute(f"CREATE VIRTUAL TABLE organizations_fts USING fts5(name, {tokenize})")
        op.execute(
            "INSERT INTO events_fts (rowid, title, description) "
            "SELECT id, title, description FROM events"
        )
        op.execute("INSERT INTO organizations_fts (rowid, name) SELECT id, name FROM organizations")
        create_sqlite_triggers()
    elif dialect == "postgresql":
        create_pg_configuration()
        op.execute(
            PG_TABLES.format(
                event_doc=PG_EVENT_DOCUMENT.format(row="NEW"),
                org_doc=PG_ORG_DOCUMENT.format(row="NEW"),
                event_row_doc=PG_EVENT_DOCUMENT.format(row="e"),
                org_row_doc=PG_ORG_DOCUMENT.format(row="o"),
            )
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS organizations_fts")
        op.execute("DROP TABLE IF EXISTS events_fts")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS organizations_fts_sync ON public.organizations")
        op.execute("DROP TRIGGER IF EXISTS events_fts_sync ON public.events")
        op.execute("DROP SCHEMA IF EXISTS htpm_search CASCADE")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS htpm_english")
