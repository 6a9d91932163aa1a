"""organization name keys in every script; one-time form keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:40:00

Organization keys used to keep ASCII letters only, so every name in Chinese, Arabic, Hebrew,
Cyrillic... became the same key. Every key is recomputed here with a frozen copy of
``htpm_events.text.name_key`` (a later change to that function must not change what this
migration did). Two organizations whose new keys collide stay apart: the later one keeps its
id in its key ("name ~42") for a moderator to merge. Organizations already wrongly merged
are not split here: moderators split them (the "split" action, audit-logged).
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

from htpm_events.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def name_key(value):
    def is_diacritic(char):
        ccc = unicodedata.combining(char)
        return ccc >= 200 or 10 <= ccc <= 35

    folded = unicodedata.normalize("NFKC", value).casefold()
    bare = "".join(c for c in unicodedata.normalize("NFD", folded) if not is_diacritic(c))
    words, word = [], []
    for char in unicodedata.normalize("NFKC", bare):
        if unicodedata.category(char)[0] in "LNM":
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)[:200].rstrip()


def old_name_key(value):
    import re

    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", value.lower())
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


organizations = sa.table(
    "organizations",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
)


def rekey(function):
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(organizations.c.id, organizations.c.name).order_by(organizations.c.id)
    ).all()
    # First a key no name can have, so that no UPDATE below meets a key not yet moved.
    for org_id, _ in rows:
        conn.execute(
            organizations.update()
            .where(organizations.c.id == org_id)
            .values(name_key=f"\x01{org_id}")
        )
    taken = set()
    for org_id, name in rows:
        key = function(name) or name.strip().lower()
        if key in taken:
            key = f"{key[:190]} ~{org_id}"
        taken.add(key)
        conn.execute(
            organizations.update().where(organizations.c.id == org_id).values(name_key=key)
        )


def upgrade():
    rekey(name_key)
    op.create_table(
        "form_replays",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("form", sa.String(length=10), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_form_replays_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_form_replays")),
    )
    op.create_index("ix_form_replays_created", "form_replays", ["created"], unique=False)


def downgrade():
    op.drop_index("ix_form_replays_created", table_name="form_replays")
    op.drop_table("form_replays")
    rekey(old_name_key)
