"""The tables of the FAQ (issue 04): entries with their alternative phrasings, a community's FAQ settings,
the answers given (with the member's "did this help?"), and knowledge gaps (questions left unanswered).

Imported at the end of bot.store.models so that Base.metadata (and the migrations test) sees these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, BigId


class FaqEntry(Base):
    """One question and its answer. `key` is the entry's stable name (imports and exports round-trip it);
    `examples` are the other ways members ask the same thing, which the matching engine learns from."""

    __tablename__ = "faq_entries"
    __table_args__ = (UniqueConstraint("community_id", "key", name="uq_faq_entries_community_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    sector: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FaqSettings(Base):
    """A community's FAQ settings, and `revision`, bumped by every change to its entries so that each
    process knows when to rebuild its copy of the matching engine."""

    __tablename__ = "faq_settings"
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    threshold: Mapped[float | None] = mapped_column(Float)  # None: the engine's default
    # Channels (platform:channel) where the bot spots questions by itself; off everywhere by default.
    spot_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime]


class FaqAnswer(Base):
    """An answer the bot gave (which entry, how sure) and the member's verdict: True (it helped), False (it
    did not), None (no click). Holds no message contents."""

    __tablename__ = "faq_answers"
    __table_args__ = (Index("ix_faq_answers_community_ts", "community_id", "ts"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entries.id", ondelete="SET NULL"), index=True)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    confidence: Mapped[float] = mapped_column(Float)
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    ts: Mapped[datetime]


class FaqGap(Base):
    """A question the FAQ did not answer (the engine abstained, or the member said the answer did not help).
    The question is kept, capped, so facilitators can see what is missing and turn it into an entry."""

    __tablename__ = "faq_gaps"
    __table_args__ = (Index("ix_faq_gaps_community_open", "community_id", "resolved_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16))  # abstained | not_helpful
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    closest_entry_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entries.id", ondelete="SET NULL"))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
