"""PostgreSQL: new events are indexed for search once per INSERT or COPY statement

A row trigger ran its own INSERT ... ON CONFLICT into htpm_search.events_fts for every new
event (0.31 ms of the server's time an imported event, of which to_tsvector is most); a
statement trigger reads the statement's new rows as a set (a transition table) and indexes
them in one INSERT ... SELECT. Changes to a title or description keep the row trigger.
SQLite unchanged (0014).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 03:05:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: The search document of an event, as migration 0002 defines it.
DOCUMENT = (
    "setweight(to_tsvector('htpm_english', coalesce({row}.title, '')), 'A') || "
    "setweight(to_tsvector('htpm_english', coalesce({row}.description, '')), 'C')"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS events_fts_sync ON public.events")
    op.execute(
        "CREATE TRIGGER events_fts_sync AFTER UPDATE OF title, description ON public.events"
        " FOR EACH ROW EXECUTE FUNCTION htpm_search.events_fts_sync()"
    )
    op.execute(
        f"""
        CREATE FUNCTION htpm_search.events_fts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO htpm_search.events_fts (event_id, document)
                SELECT n.id, {DOCUMENT.format(row="n")} FROM new_events n
            ON CONFLICT (event_id) DO UPDATE SET document = EXCLUDED.document;
            RETURN NULL;
        END $$"""
    )
    op.execute(
        "CREATE TRIGGER events_fts_insert AFTER INSERT ON public.events"
        " REFERENCING NEW TABLE AS new_events"
        " FOR EACH STATEMENT EXECUTE FUNCTION htpm_search.events_fts_insert()"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS events_fts_insert ON public.events")
    op.execute("DROP FUNCTION IF EXISTS htpm_search.events_fts_insert()")
    op.execute("DROP TRIGGER IF EXISTS events_fts_sync ON public.events")
    op.execute(
        "CREATE TRIGGER events_fts_sync AFTER INSERT OR UPDATE OF title, description"
        " ON public.events FOR EACH ROW EXECUTE FUNCTION htpm_search.events_fts_sync()"
    )
