"""The tables of member profiles (issue 03): expertise tags, the onboarding record behind the funnel figures,
and referrals (parrainage). Real columns, one row per fact: the directory and the figures are plain queries.

Imported at the end of bot.store.models so that Base.metadata (and the migrations test) sees these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, BigId


class MemberExpertise(Base):
    """One expertise tag of a member ("plomberie", "export"), normalised: lower case, single spaces."""

    __tablename__ = "member_expertise"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)


class Onboarding(Base):
    """A member's way through onboarding: when it started, the furthest step reached, when it finished, and
    whether the one reminder went out. The funnel figures are counts over these rows."""

    __tablename__ = "onboardings"
    __table_args__ = (Index("ix_onboardings_community_started", "community_id", "started_at"),)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    started_at: Mapped[datetime]
    progressed_at: Mapped[datetime]  # the last answer given in the flow: reminders count idle time from it
    furthest_step: Mapped[str] = mapped_column(String(16))
    finished_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]


class ReferralCode(Base):
    """A member's personal invitation code (one per member, reused): `P-` and six unambiguous characters."""

    __tablename__ = "referral_codes"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime]


class Referral(Base):
    """A newcomer attributed to a sponsor. It counts (counted_at) once the newcomer finished onboarding and
    stayed the configured number of days; `buddy_at` is when the sponsor accepted to be their buddy."""

    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    newcomer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(String(16))
    attributed_at: Mapped[datetime]
    counted_at: Mapped[datetime | None]
    buddy_at: Mapped[datetime | None]

