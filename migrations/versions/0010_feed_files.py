"""feed files: feed_cache keeps validators only (bodies are files per host); feed_pieces

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM feed_cache")  # a cache: rebuilt on the next request
    with op.batch_alter_table("feed_cache", schema=None) as batch_op:
        batch_op.drop_column("body")
        batch_op.add_column(sa.Column("gzip_etag", sa.String(length=100), nullable=True))
    op.create_table(
        "feed_pieces",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("tzid", sa.String(length=64), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_feed_pieces_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_feed_pieces")),
    )


def downgrade():
    op.drop_table("feed_pieces")
    op.execute("DELETE FROM feed_cache")
    with op.batch_alter_table("feed_cache", schema=None) as batch_op:
        batch_op.drop_column("gzip_etag")
        batch_op.add_column(sa.Column("body", sa.LargeBinary(), nullable=False))
