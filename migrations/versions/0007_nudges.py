"""Weekly nudges: campaigns, nudges sent, member nudge preferences, the job lease.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "nudge_runs",
        sa.Column("id", BigId, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("lease_until", TS, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("nudged", sa.Integer(), nullable=False),
        sa.Column("held_out", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_nudge_runs_community_id_communities"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_runs")),
        sa.UniqueConstraint("community_id", "period", name="uq_nudge_runs_community_period"),
    )
    op.create_table(
        "nudges",
        sa.Column("id", BigId, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("holdout", sa.Boolean(), nullable=False),
        sa.Column("reason_days", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("response", sa.String(length=16), nullable=True),
        sa.Column("responded_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_nudges_community_id_communities"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_nudges_member_id_members"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["nudge_runs.id"],
                                name=op.f("fk_nudges_run_id_nudge_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
        sa.UniqueConstraint("member_id", "period", name="uq_nudges_member_period"),
    )
    op.create_index("ix_nudges_member_created", "nudges", ["member_id", "created_at"])
    op.create_index("ix_nudges_community_created", "nudges", ["community_id", "created_at"])
    op.create_index(op.f("ix_nudges_run_id"), "nudges", ["run_id"])
    op.create_table(
        "nudge_preferences",
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("snoozed_until", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_nudge_preferences_community_id_communities"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_nudge_preferences_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_nudge_preferences")),
    )
    op.create_index(op.f("ix_nudge_preferences_community_id"), "nudge_preferences", ["community_id"])
    op.create_table(
        "nudge_flags",
        sa.Column("id", BigId, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_nudge_flags_community_id_communities"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_flags")),
    )
    op.create_index("ix_nudge_flags_community_expires", "nudge_flags", ["community_id", "expires_at"])
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )
    op.create_index(op.f("ix_job_leases_claimed_at"), "job_leases", ["claimed_at"])
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    op.create_index(op.f("ix_apscheduler_jobs_next_run_time"), "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_index(op.f("ix_apscheduler_jobs_next_run_time"), table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    op.drop_index(op.f("ix_job_leases_claimed_at"), table_name="job_leases")
    op.drop_table("job_leases")
    op.drop_index("ix_nudge_flags_community_expires", table_name="nudge_flags")
    op.drop_table("nudge_flags")
    op.drop_index(op.f("ix_nudge_preferences_community_id"), table_name="nudge_preferences")
    op.drop_table("nudge_preferences")
    op.drop_index(op.f("ix_nudges_run_id"), table_name="nudges")
    op.drop_index("ix_nudges_community_created", table_name="nudges")
    op.drop_index("ix_nudges_member_created", table_name="nudges")
    op.drop_table("nudges")
    op.drop_table("nudge_runs")
