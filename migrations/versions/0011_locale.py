"""locale: the interface language of event contacts, registrants and accounts (their e-mails)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("events", "registrations", "users")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


#: An index on an expression (0009): SQLite's batch mode cannot copy it, so it is dropped
#: before the events table is rebuilt and made again after.
LINK_INDEX = "ix_events_registration_url_lower"


def downgrade():
    op.drop_index(LINK_INDEX, table_name="events")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("locale")
    op.create_index(LINK_INDEX, "events", [sa.text("lower(registration_url)")])
