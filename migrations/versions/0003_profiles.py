"""Member profiles: expertise tags, onboarding records (the funnel), referral codes and referrals; the nudge
frequency and directory consent of members; suggested tags and a channel name for sectors.

Existing members get nudge_frequency "weekly" and no directory consent (nobody is listed without agreeing);
existing sectors get no suggested tags.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def community_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                   name=op.f(f"fk_{table}_community_id_communities"), ondelete="CASCADE")


def member_fk(table: str, column: str = "member_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["members.id"], name=op.f(f"fk_{table}_{column}_members"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "member_expertise",
        sa.Column("member_id", big_id(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        community_fk("member_expertise"),
        member_fk("member_expertise"),
        sa.PrimaryKeyConstraint("member_id", "tag", name=op.f("pk_member_expertise")),
    )
    with op.batch_alter_table("member_expertise") as batch_op:
        batch_op.create_index(batch_op.f("ix_member_expertise_community_id"), ["community_id"], unique=False)

    op.create_table(
        "onboardings",
        sa.Column("member_id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("started_at", ts(), nullable=False),
        sa.Column("progressed_at", ts(), nullable=False),
        sa.Column("furthest_step", sa.String(length=16), nullable=False),
        sa.Column("finished_at", ts(), nullable=True),
        sa.Column("reminded_at", ts(), nullable=True),
        community_fk("onboardings"),
        member_fk("onboardings"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_onboardings")),
    )
    with op.batch_alter_table("onboardings") as batch_op:
        batch_op.create_index("ix_onboardings_community_started", ["community_id", "started_at"],
                              unique=False)

    op.create_table(
        "referral_codes",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", big_id(), nullable=False),
        sa.Column("created_at", ts(), nullable=False),
        community_fk("referral_codes"),
        member_fk("referral_codes"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_referral_codes")),
        sa.UniqueConstraint("member_id", name=op.f("uq_referral_codes_member_id")),
    )
    with op.batch_alter_table("referral_codes") as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_codes_community_id"), ["community_id"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("sponsor_id", big_id(), nullable=False),
        sa.Column("newcomer_id", big_id(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("attributed_at", ts(), nullable=False),
        sa.Column("counted_at", ts(), nullable=True),
        sa.Column("buddy_at", ts(), nullable=True),
        community_fk("referrals"),
        member_fk("referrals", "newcomer_id"),
        member_fk("referrals", "sponsor_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("newcomer_id", name=op.f("uq_referrals_newcomer_id")),
    )
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_sponsor_id"), ["sponsor_id"], unique=False)

    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("nudge_frequency", sa.String(length=16), server_default="weekly",
                                      nullable=False))
        batch_op.add_column(sa.Column("directory_consent_at", ts(), nullable=True))

    with op.batch_alter_table("sectors") as batch_op:
        batch_op.add_column(sa.Column("tags", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("channel", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sectors") as batch_op:
        batch_op.drop_column("channel")
        batch_op.drop_column("tags")

    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("directory_consent_at")
        batch_op.drop_column("nudge_frequency")

    with op.batch_alter_table("referrals") as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_sponsor_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_community_id"))
    op.drop_table("referrals")

    with op.batch_alter_table("referral_codes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_codes_community_id"))
    op.drop_table("referral_codes")

    with op.batch_alter_table("onboardings") as batch_op:
        batch_op.drop_index("ix_onboardings_community_started")
    op.drop_table("onboardings")

    with op.batch_alter_table("member_expertise") as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_expertise_community_id"))
    op.drop_table("member_expertise")
