"""events.description_text: the description as plain text, stored with it for the feeds

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:10:00

"""

import sqlalchemy as sa
from alembic import op

from htpm_events.text import markdown_to_text

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: The events columns the backfill reads and writes, as they are at this revision.
EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("description", sa.Text),
    sa.column("description_text", sa.Text),
)
BATCH = 1000


def upgrade():
    # A plain ADD COLUMN (not a batch table rebuild), so 0002's SQLite FTS triggers stay.
    op.add_column(
        "events",
        sa.Column("description_text", sa.Text(), server_default="", nullable=False),
    )
    # Backfill through the function the app keeps the column with, a batch at a time.
    bind = op.get_bind()
    update = (
        EVENTS.update()
        .where(EVENTS.c.id == sa.bindparam("event_id"))
        .values(description_text=sa.bindparam("text"))
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(EVENTS.c.id, EVENTS.c.description)
            .where(EVENTS.c.id > last, EVENTS.c.description != "")
            .order_by(EVENTS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            update,
            [{"event_id": row.id, "text": markdown_to_text(row.description)} for row in rows],
        )
        last = rows[-1].id


def downgrade():
    # SQLite (3.35+) drops a column in place: no table rebuild, the FTS triggers stay.
    op.drop_column("events", "description_text")
