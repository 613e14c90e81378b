"""Retention for the board: how many members present at the start of a period were kept, how many were lost,
and what keeping them saved.

- base: members who had joined before `start` and had not left by then;
- lost: members of the base who left during [start, end) (`members.left_at`);
- kept: base - lost; retention rate: kept / base;
- savings: kept x (cost of recruiting a member - cost of keeping one), with the community's settings
  `retention.cost_recruited` (9 EUR by default) and `retention.cost_kept` (1 EUR): each kept member is a
  member the association did not have to replace.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import community_settings
from bot.contributions import Figure
from bot.store.models import Member

L = "facilitator.fig."


async def retention_figures(session: AsyncSession, community_id: int, start: datetime,
                            end: datetime) -> list[Figure]:
    base_filter = and_(Member.community_id == community_id, Member.joined_at < start,
                       or_(Member.left_at.is_(None), Member.left_at >= start))
    base = int((await session.execute(select(func.count()).select_from(Member).where(base_filter))).scalar_one())
    lost = int((await session.execute(select(func.count()).select_from(Member).where(
        base_filter, Member.left_at.is_not(None), Member.left_at < end))).scalar_one())
    kept = base - lost
    settings = await community_settings.load(session, community_id)
    saved_each = settings.number("retention.cost_recruited") - settings.number("retention.cost_kept")
    return [
        Figure("retention_base", L + "retention_base", base),
        Figure("retention_kept", L + "retention_kept", kept),
        Figure("retention_lost", L + "retention_lost", lost),
        Figure("retention_rate", L + "retention_rate", kept / base if base else None, "percent"),
        Figure("retention_savings", L + "retention_savings", kept * saved_each, "euros"),
    ]
