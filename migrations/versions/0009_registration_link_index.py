"""an index on lower(registration_url): an import looks up each batch's links

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_events_registration_url_lower", "events", [sa.text("lower(registration_url)")]
    )


def downgrade():
    op.drop_index("ix_events_registration_url_lower", table_name="events")
