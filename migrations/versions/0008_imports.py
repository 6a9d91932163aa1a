"""imports: .ics series fields, import hashes, source defaults, runs and batches

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:50:00

"""

import sqlalchemy as sa
from alembic import op

import htpm_events.db

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rdates", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("exdates", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("import_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("import_state_hash", sa.String(length=64), nullable=True))

    with op.batch_alter_table("import_sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("event_type", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("format", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("last_status", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_counts", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("next_poll", htpm_events.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("held_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("lease_until", htpm_events.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("manage_token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_import_sources_manage_token_hash"), ["manage_token_hash"]
        )


def downgrade():
    with op.batch_alter_table("import_sources", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_import_sources_manage_token_hash"), type_="unique"
        )
        for name in (
            "manage_token_hash", "lease_until", "lease_token", "held_reason", "next_poll",
            "failures", "last_counts", "last_status", "pending", "contact_email",
            "contact_name", "timezone", "format", "event_type", "name", "content_hash",
        ):
            batch_op.drop_column(name)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("import_state_hash")
        batch_op.drop_column("import_hash")
        batch_op.drop_column("exdates")
        batch_op.drop_column("rdates")
