"""The tables of the facilitator's console (issue 07): broadcasts and who they went to.

A broadcast is a row from its preview on (status `draft`), so the [Send] button survives a restart; each
recipient is one row holding when the message was queued, when they acknowledged it and how many reminders
they got. The tally is a count over these rows, never a counter kept in memory.
Imported at the end of bot.store.models so that Base.metadata (and the migrations test) sees these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, BigId


class Broadcast(Base):
    """A message from the facilitators to a segment of members. `segment_kind` is all | sector | region | role
    and `segment_value` its argument (a sector slug, a region, a role). `text` is the facilitator's message,
    kept so that reminders repeat it."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_community_status", "community_id", "status"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_member_id: Mapped[int | None] = mapped_column(BigInteger)
    segment_kind: Mapped[str] = mapped_column(String(16))
    segment_value: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | sent | cancelled
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_reminded_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class BroadcastRecipient(Base):
    """One member a broadcast went to: when it was queued, when they pressed [Acknowledge], reminders got."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (Index("ix_broadcast_recipients_member", "member_id"),)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    queued_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None]
