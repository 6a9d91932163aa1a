"""SQLite: new events are indexed for search by the app in one statement, not by a trigger

FTS5 run from a trigger writes its index anew for every row (~0.17 ms an event); the rows of a
flush or of an import's batch written in one statement cost ~0.03 ms (htpm_events/events/
search.py, ``index_events``). Updates and deletes keep their triggers. PostgreSQL unchanged.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 01:50:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_fts_insert")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            """
            CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
              INSERT INTO events_fts (rowid, title, description)
              VALUES (new.id, new.title, new.description);
            END"""
        )
