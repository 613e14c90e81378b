"""What members and facilitators change: a member's answer to a nudge ([Show me], [Snooze a month],
[Stop these]) and the week's flagged lines. Each call runs inside the caller's transaction (the event's)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Member
from bot.store.nudge_models import Nudge, NudgeFlag, NudgePreference

SNOOZE = timedelta(days=30)
FLAG_DAYS = timedelta(days=7)
FLAG_MAX_CHARS = 300


async def record_response(session: AsyncSession, community_id: int, member_id: int, period: str, response: str,
                          now: datetime) -> bool:
    """Note the button pressed on this period's nudge; False when the member had no such nudge."""
    done = await session.execute(
        update(Nudge).where(Nudge.community_id == community_id, Nudge.member_id == member_id,
                            Nudge.period == period, Nudge.holdout.is_(False))
        .values(response=response, responded_at=now).returning(Nudge.id))
    return done.first() is not None


async def snooze(session: AsyncSession, community_id: int, member_id: int, now: datetime) -> datetime:
    until = now + SNOOZE
    pref = await session.get(NudgePreference, member_id)
    if pref is None:
        session.add(NudgePreference(member_id=member_id, community_id=community_id, snoozed_until=until,
                                    updated_at=now))
    else:
        pref.snoozed_until, pref.updated_at = until, now
    return until


async def stop(session: AsyncSession, community_id: int, member_id: int) -> None:
    """[Stop these]: the member's nudge frequency becomes `never` (what `profile` shows and changes back)."""
    await session.execute(update(Member).where(Member.community_id == community_id, Member.id == member_id)
                          .values(nudge_frequency="never"))


async def add_flag(session: AsyncSession, community_id: int, text: str, actor: int | None, now: datetime) -> int:
    flag = NudgeFlag(community_id=community_id, text=text, created_by=actor, created_at=now,
                     expires_at=now + FLAG_DAYS)
    session.add(flag)
    await session.flush()
    return int(flag.id)


async def active_flags(session: AsyncSession, community_id: int, now: datetime) -> list[NudgeFlag]:
    return list((await session.scalars(select(NudgeFlag).where(
        NudgeFlag.community_id == community_id, NudgeFlag.expires_at > now).order_by(NudgeFlag.id))).all())
