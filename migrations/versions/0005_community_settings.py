"""Community settings: one row per community, one nullable column per setting (defaults live in bot.community_settings).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "community_settings",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("nudge_day", sa.String(length=3), nullable=True),
        sa.Column("nudge_time", sa.String(length=5), nullable=True),
        sa.Column("nudge_inactive_days", sa.Integer(), nullable=True),
        sa.Column("nudge_newcomer_days", sa.Integer(), nullable=True),
        sa.Column("nudge_window_days", sa.Integer(), nullable=True),
        sa.Column("nudge_max_unanswered", sa.Integer(), nullable=True),
        sa.Column("nudge_holdout_share", sa.Float(), nullable=True),
        sa.Column("help_claim_timeout_hours", sa.Float(), nullable=True),
        sa.Column("help_rounds", sa.Integer(), nullable=True),
        sa.Column("help_experts_per_round", sa.Integer(), nullable=True),
        sa.Column("help_expert_cap", sa.Integer(), nullable=True),
        sa.Column("help_checkin_days", sa.Integer(), nullable=True),
        sa.Column("retention_cost_kept", sa.Float(), nullable=True),
        sa.Column("retention_cost_recruited", sa.Float(), nullable=True),
        sa.Column("broadcast_max_reminders", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_community_settings_community_id_communities"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_community_settings")),
    )


def downgrade() -> None:
    op.drop_table("community_settings")
