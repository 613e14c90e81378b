"""The tables of peer help (issue 05): help requests, the experts each one was offered to (routing attempts),
and experts' availability. Typed columns, one row per fact: the timers are a query on `next_action_at`, the
figures are counts over these rows, and every change of status is a conditional UPDATE (race-safe across
processes).

Imported at the end of bot.store.models so that Base.metadata (and the migrations test) sees these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, BigId


class HelpRequest(Base):
    """A member's question routed to peers. `status`: draft (the asker has not confirmed the sector yet),
    open (experts asked, nobody took it), claimed, resolved, cancelled. `next_action_at` is when the timer of
    the request fires next (the end of the current round, or the check-in); None when no timer runs."""

    __tablename__ = "help_requests"
    __table_args__ = (
        Index("ix_help_requests_due", "community_id", "status", "next_action_at"),
        Index("ix_help_requests_community_created", "community_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    asker_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer, default=0)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]  # the first claim (kept if the expert later hands it back)
    resolved_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    next_action_at: Mapped[datetime | None]
    kudos_at: Mapped[datetime | None]  # the asker thanked the expert
    # The expert's proposed FAQ answer and its fate: proposed | approved | rejected.
    faq_answer: Mapped[str | None] = mapped_column(Text)
    faq_status: Mapped[str | None] = mapped_column(String(16))


class HelpAttempt(Base):
    """One expert offered one request. `outcome`: None (no answer yet), claimed, declined, lost (someone else
    took it), expired (the round ended), withdrawn (the request closed or the expert became unavailable)."""

    __tablename__ = "help_attempts"
    __table_args__ = (
        UniqueConstraint("request_id", "expert_id", name="uq_help_attempts_request_expert"),
        Index("ix_help_attempts_expert_asked", "expert_id", "asked_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    asked_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None]


class ExpertAvailability(Base):
    """When an expert is away (`/expert away until DATE`) or snoozed (`/expert away` for a day). No row:
    available. Waking hours are fixed (see bot.peer_help.experts)."""

    __tablename__ = "expert_availability"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    away_until: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]
