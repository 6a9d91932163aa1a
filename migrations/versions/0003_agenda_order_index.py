"""index for the agenda's order: status, local first day, start instant

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:50:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # A plain CREATE INDEX (not a batch table rebuild), so 0002's SQLite FTS triggers stay.
    op.create_index(
        "ix_events_status_start_date",
        "events",
        ["status", "start_date", "starts_at", "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_events_status_start_date", table_name="events")
