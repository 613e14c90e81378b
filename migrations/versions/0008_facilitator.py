"""The facilitator's console: broadcasts and their recipients (acknowledgements, reminders), files attached to
outbox messages (charts, CSV exports), and the broadcast reminder delay setting.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def community_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                   name=op.f(f"fk_{table}_community_id_communities"), ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_member_id", sa.BigInteger(), nullable=True),
        sa.Column("segment_kind", sa.String(length=16), nullable=False),
        sa.Column("segment_value", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("sent_at", ts(), nullable=True),
        sa.Column("last_reminded_at", ts(), nullable=True),
        sa.Column("cancelled_at", ts(), nullable=True),
        community_fk("broadcasts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    with op.batch_alter_table("broadcasts") as batch_op:
        batch_op.create_index("ix_broadcasts_community_status", ["community_id", "status"], unique=False)

    op.create_table(
        "broadcast_recipients",
        sa.Column("broadcast_id", big_id(), nullable=False),
        sa.Column("member_id", big_id(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("queued_at", ts(), nullable=False),
        sa.Column("acknowledged_at", ts(), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", ts(), nullable=True),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"],
                                name=op.f("fk_broadcast_recipients_broadcast_id_broadcasts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_broadcast_recipients_member_id_members"), ondelete="CASCADE"),
        community_fk("broadcast_recipients"),
        sa.PrimaryKeyConstraint("broadcast_id", "member_id", name=op.f("pk_broadcast_recipients")),
    )
    with op.batch_alter_table("broadcast_recipients") as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcast_recipients_community_id"), ["community_id"], unique=False)
        batch_op.create_index("ix_broadcast_recipients_member", ["member_id"], unique=False)

    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("attachments", sa.JSON(), nullable=True))
    with op.batch_alter_table("community_settings") as batch_op:
        batch_op.add_column(sa.Column("broadcast_remind_after_hours", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("community_settings") as batch_op:
        batch_op.drop_column("broadcast_remind_after_hours")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("attachments")
    op.drop_table("broadcast_recipients")
    op.drop_table("broadcasts")
