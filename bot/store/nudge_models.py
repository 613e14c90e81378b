"""The tables of the weekly nudges (issue 06), and of the scheduler's once-only guarantees.

- `nudge_runs`: one row per (community, period): the run's lease (so that several `agora run` processes run
  it once, and a run killed half-way is taken over when its lease expires) and its counts.
- `nudges`: one row per (member, period), nudged or held out, written in the same transaction as the outbox
  row of its message: the pair is the idempotency of a run.
- `nudge_preferences`: a member's snooze ([Snooze a month]); "Stop these" is `members.nudge_frequency`.
- `nudge_flags`: what facilitators flagged for the week (`/agora nudge flag`).
- `job_leases`: one row per (job, community, time slot) claimed by the process that runs that tick.
- `apscheduler_jobs`: APScheduler's own persistent job store (its SQLAlchemyJobStore layout), declared here
  so that the migrations create it and the tests empty it like every other table.

Imported at the end of bot.store.models so that Base.metadata (and the migrations test) sees these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, BigId


class NudgeRun(Base):
    """A weekly (or facilitator-started) campaign of one community for one period ("2026-W02")."""

    __tablename__ = "nudge_runs"
    __table_args__ = (UniqueConstraint("community_id", "period", name="uq_nudge_runs_community_period"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual
    holder: Mapped[str] = mapped_column(String(64))
    lease_until: Mapped[datetime]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    nudged: Mapped[int] = mapped_column(Integer, default=0)
    held_out: Mapped[int] = mapped_column(Integer, default=0)


class Nudge(Base):
    """One member in one period's campaign: sent a message (`holdout` false) or deliberately not (`holdout`
    true, the measurement's control group). `reason_days` is why: days without activity. `response` is the
    button the member pressed, if any (show | snooze | stop)."""

    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("member_id", "period", name="uq_nudges_member_period"),
        Index("ix_nudges_member_created", "member_id", "created_at"),
        Index("ix_nudges_community_created", "community_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("nudge_runs.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    holdout: Mapped[bool] = mapped_column(Boolean, default=False)
    reason_days: Mapped[int] = mapped_column(Integer)
    items: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    response: Mapped[str | None] = mapped_column(String(16))
    responded_at: Mapped[datetime | None]


class NudgePreference(Base):
    """A member's pause of the nudges ([Snooze a month]); no row: no pause."""

    __tablename__ = "nudge_preferences"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    snoozed_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class NudgeFlag(Base):
    """A line a facilitator flagged for the week: shown to every member nudged until `expires_at`."""

    __tablename__ = "nudge_flags"
    __table_args__ = (Index("ix_nudge_flags_community_expires", "community_id", "expires_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class JobLease(Base):
    """A scheduled job's time slot, claimed once: `tick:hourly:3:2026-01-05T09` by the process that runs it."""

    __tablename__ = "job_leases"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(index=True)


# APScheduler's SQLAlchemyJobStore table, exactly as that store declares it (it is given its own MetaData; this
# copy is for the migrations and the test fixtures).
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
