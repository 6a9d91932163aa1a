"""occurrences table: one row per local day each occurrence of a public dated event covers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:40:00

"""

import sqlalchemy as sa
from alembic import op

import htpm_events.db
from htpm_events.events.occurrence_rows import store_occurrences

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The events columns the rows are derived from, as they are at this revision.
EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("published", htpm_events.db.UTCDateTime()),
    sa.column("format", sa.String),
    sa.column("timezone", sa.String),
    sa.column("start_date", sa.Date),
    sa.column("start_time", sa.Time),
    sa.column("end_date", sa.Date),
    sa.column("end_time", sa.Time),
    sa.column("all_day", sa.Boolean),
    sa.column("recurrence", sa.String),
    sa.column("rrule", sa.String),
    sa.column("rdates", sa.Text),
    sa.column("exdates", sa.Text),
    sa.column("series_ends_at", htpm_events.db.UTCDateTime()),
)
BATCH = 2000


def upgrade():
    op.create_table(
        "event_occurrences",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", htpm_events.db.UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ends_at", htpm_events.db.UTCDateTime(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("first_day", sa.Boolean(), nullable=False),
        sa.Column("listed_until", htpm_events.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_occurrences_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "starts_at", "day", name=op.f("pk_event_occurrences")),
    )
    op.create_index(
        "ix_event_occurrences_day",
        "event_occurrences",
        ["day", "starts_at", "event_id", "first_day", "listed_until", "ends_at", "start_date"],
        unique=False,
    )
    # A plain CREATE INDEX (not a batch table rebuild), so 0002's SQLite FTS triggers stay.
    op.create_index(
        "ix_events_format_status_starts_at",
        "events",
        ["format", "status", "starts_at", "id"],
        unique=False,
    )
    # Backfill through the function the app keeps the table with, a batch at a time.
    bind = op.get_bind()
    listed = sa.and_(
        EVENTS.c.format != "on-demand",
        sa.or_(
            EVENTS.c.status == "approved",
            sa.and_(EVENTS.c.status == "cancelled", EVENTS.c.published.is_not(None)),
        ),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(EVENTS).where(listed, EVENTS.c.id > last).order_by(EVENTS.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        store_occurrences(rows, bind)
        last = rows[-1].id


def downgrade():
    op.drop_index("ix_events_format_status_starts_at", table_name="events")
    op.drop_index("ix_event_occurrences_day", table_name="event_occurrences")
    op.drop_table("event_occurrences")
