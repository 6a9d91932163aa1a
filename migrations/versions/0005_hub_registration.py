"""hub registration: one registration per occurrence, waitlist promotion, reminders, the
calendar version each attendee holds, and tallies kept after purges

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:40:00

"""

import sqlalchemy as sa
from alembic import op

import htpm_events.db

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurrence", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("promoted_at", htpm_events.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", htpm_events.db.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("ics_sequence", sa.Integer(), nullable=False, server_default="-1")
        )
        batch_op.add_column(sa.Column("ics_fingerprint", sa.String(length=64), nullable=True))
    # Registrations made before occurrences were chosen are for the event's first day.
    op.execute(
        "UPDATE registrations SET occurrence = "
        "(SELECT start_date FROM events WHERE events.id = registrations.event_id)"
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.alter_column("occurrence", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("ics_sequence", server_default=None)
        batch_op.drop_constraint("uq_registrations_event_email", type_="unique")
        batch_op.create_unique_constraint(
            "uq_registrations_event_occurrence_email", ["event_id", "occurrence", "email"]
        )
        batch_op.create_index(
            "ix_registrations_event_occurrence_status",
            ["event_id", "occurrence", "status"],
            unique=False,
        )
    op.create_table(
        "registration_tallies",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.Date(), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("waitlisted", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("purged", htpm_events.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_registration_tallies_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "occurrence", name=op.f("pk_registration_tallies")),
    )


def downgrade():
    op.drop_table("registration_tallies")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_event_occurrence_status")
        batch_op.drop_constraint("uq_registrations_event_occurrence_email", type_="unique")
        batch_op.create_unique_constraint("uq_registrations_event_email", ["event_id", "email"])
        batch_op.drop_column("ics_fingerprint")
        batch_op.drop_column("ics_sequence")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("promoted_at")
        batch_op.drop_column("occurrence")
