"""Onboarding records: started, furthest step, finished, reminded. The funnel figures are counts over them,
and the one reminder is claimed with a conditional update so that two processes never both send it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Member
from bot.store.profile_models import Onboarding


@dataclass(frozen=True, slots=True)
class Funnel:
    started: int
    finished: int
    reminded: int
    # Members who started and have not finished, by the furthest step they reached ("where they stopped").
    stopped_at: dict[str, int] = field(default_factory=dict)


class Onboardings:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def get(self, member_id: int) -> Onboarding | None:
        stmt = select(Onboarding).where(Onboarding.member_id == member_id,
                                        Onboarding.community_id == self.community_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def start(self, member_id: int, step: str, now: datetime) -> Onboarding:
        """The member's record, created at `step` if they never started."""
        found = await self.get(member_id)
        if found is not None:
            return found
        row = Onboarding(member_id=member_id, community_id=self.community_id, started_at=now,
                         progressed_at=now, furthest_step=step)
        self.session.add(row)
        await self.session.flush()
        return row

    async def reached(self, member_id: int, step: str, order: Sequence[str], now: datetime) -> None:
        """The member is at `step` now: progress is noted, the furthest step moves forward (never back)."""
        row = await self.get(member_id)
        if row is None or row.finished_at is not None:
            return
        row.progressed_at = now
        furthest = row.furthest_step
        if step in order and (furthest not in order or order.index(step) > order.index(furthest)):
            row.furthest_step = step
        await self.session.flush()

    async def finish(self, member_id: int, now: datetime) -> bool:
        """Mark onboarding finished; False if it already was."""
        result = await self.session.execute(update(Onboarding).where(
            Onboarding.member_id == member_id, Onboarding.community_id == self.community_id,
            Onboarding.finished_at.is_(None)).values(finished_at=now, progressed_at=now))
        return bool(getattr(result, "rowcount", 0))

    async def due_reminders(self, now: datetime, idle: timedelta, limit: int = 200) -> list[Onboarding]:
        """Unfinished, never reminded, no progress for `idle`, and the member is still here."""
        stmt = (select(Onboarding).join(Member, Member.id == Onboarding.member_id)
                .where(Onboarding.community_id == self.community_id, Onboarding.finished_at.is_(None),
                       Onboarding.reminded_at.is_(None), Onboarding.progressed_at <= now - idle,
                       Member.left_at.is_(None))
                .order_by(Onboarding.progressed_at).limit(limit))
        return list((await self.session.execute(stmt)).scalars())

    async def claim_reminder(self, member_id: int, now: datetime) -> bool:
        """True for exactly one caller: the one whose update turned reminded_at from NULL to `now`."""
        result = await self.session.execute(update(Onboarding).where(
            Onboarding.member_id == member_id, Onboarding.community_id == self.community_id,
            Onboarding.reminded_at.is_(None), Onboarding.finished_at.is_(None)).values(reminded_at=now))
        return bool(getattr(result, "rowcount", 0))

    async def funnel(self, since: datetime) -> Funnel:
        """Figures for the onboardings started since `since`."""
        scope = and_(Onboarding.community_id == self.community_id, Onboarding.started_at >= since)
        counts = select(func.count(), func.count(Onboarding.finished_at), func.count(Onboarding.reminded_at))
        started, finished, reminded = (await self.session.execute(counts.where(scope))).one()
        rows = await self.session.execute(
            select(Onboarding.furthest_step, func.count()).where(scope, Onboarding.finished_at.is_(None))
            .group_by(Onboarding.furthest_step))
        return Funnel(int(started), int(finished), int(reminded), {str(step): int(n) for step, n in rows})
