"""Peer help: help requests, routing attempts, expert availability, kudos.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def fk(table: str, column: str, referred: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "help_requests",
        sa.Column("id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", big_id(), nullable=False),
        sa.Column("sector_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("expert_id", big_id(), nullable=True),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("opened_at", ts(), nullable=True),
        sa.Column("claimed_at", ts(), nullable=True),
        sa.Column("resolved_at", ts(), nullable=True),
        sa.Column("cancelled_at", ts(), nullable=True),
        sa.Column("escalated_at", ts(), nullable=True),
        sa.Column("checked_in_at", ts(), nullable=True),
        sa.Column("next_action_at", ts(), nullable=True),
        sa.Column("kudos_at", ts(), nullable=True),
        sa.Column("faq_answer", sa.Text(), nullable=True),
        sa.Column("faq_status", sa.String(length=16), nullable=True),
        fk("help_requests", "community_id", "communities"),
        fk("help_requests", "asker_id", "members"),
        fk("help_requests", "sector_id", "sectors", "SET NULL"),
        fk("help_requests", "expert_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_requests")),
    )
    with op.batch_alter_table("help_requests") as batch_op:
        batch_op.create_index("ix_help_requests_due", ["community_id", "status", "next_action_at"], unique=False)
        batch_op.create_index("ix_help_requests_community_created", ["community_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_requests_asker_id"), ["asker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_requests_expert_id"), ["expert_id"], unique=False)

    op.create_table(
        "help_attempts",
        sa.Column("id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("request_id", big_id(), nullable=False),
        sa.Column("expert_id", big_id(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("asked_at", ts(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answered_at", ts(), nullable=True),
        fk("help_attempts", "community_id", "communities"),
        fk("help_attempts", "request_id", "help_requests"),
        fk("help_attempts", "expert_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_attempts")),
        sa.UniqueConstraint("request_id", "expert_id", name="uq_help_attempts_request_expert"),
    )
    with op.batch_alter_table("help_attempts") as batch_op:
        batch_op.create_index("ix_help_attempts_expert_asked", ["expert_id", "asked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_attempts_community_id"), ["community_id"], unique=False)

    op.create_table(
        "expert_availability",
        sa.Column("member_id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("away_until", ts(), nullable=True),
        sa.Column("snoozed_until", ts(), nullable=True),
        sa.Column("updated_at", ts(), nullable=False),
        fk("expert_availability", "member_id", "members"),
        fk("expert_availability", "community_id", "communities"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_expert_availability")),
    )
    with op.batch_alter_table("expert_availability") as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_availability_community_id"), ["community_id"], unique=False)


def downgrade() -> None:
    op.drop_table("expert_availability")
    op.drop_table("help_attempts")
    op.drop_table("help_requests")
