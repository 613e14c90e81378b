"""FAQ entries with alternative phrasings, per-community FAQ settings, answers given and knowledge gaps.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def community_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                   name=op.f(f"fk_{table}_community_id_communities"), ondelete="CASCADE")


def entry_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["faq_entries.id"], name=op.f(f"fk_{table}_{column}_faq_entries"),
                                   ondelete="SET NULL")


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("updated_at", ts(), nullable=False),
        community_fk("faq_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
        sa.UniqueConstraint("community_id", "key", name="uq_faq_entries_community_key"),
    )
    with op.batch_alter_table("faq_entries") as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_entries_community_id"), ["community_id"], unique=False)

    op.create_table(
        "faq_settings",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("spot_channels", sa.JSON(), nullable=False),
        sa.Column("updated_at", ts(), nullable=False),
        community_fk("faq_settings"),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_faq_settings")),
    )

    op.create_table(
        "faq_answers",
        sa.Column("id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", big_id(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("ts", ts(), nullable=False),
        community_fk("faq_answers"),
        entry_fk("faq_answers", "entry_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_answers")),
    )
    with op.batch_alter_table("faq_answers") as batch_op:
        batch_op.create_index("ix_faq_answers_community_ts", ["community_id", "ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_faq_answers_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "faq_gaps",
        sa.Column("id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("closest_entry_id", big_id(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("resolved_at", ts(), nullable=True),
        community_fk("faq_gaps"),
        entry_fk("faq_gaps", "closest_entry_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_gaps")),
    )
    with op.batch_alter_table("faq_gaps") as batch_op:
        batch_op.create_index("ix_faq_gaps_community_open", ["community_id", "resolved_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("faq_gaps") as batch_op:
        batch_op.drop_index("ix_faq_gaps_community_open")
    op.drop_table("faq_gaps")
    with op.batch_alter_table("faq_answers") as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_answers_entry_id"))
        batch_op.drop_index("ix_faq_answers_community_ts")
    op.drop_table("faq_answers")
    op.drop_table("faq_settings")
    with op.batch_alter_table("faq_entries") as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_entries_community_id"))
    op.drop_table("faq_entries")
