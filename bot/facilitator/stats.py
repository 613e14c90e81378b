"""The figures of `/agora stats`: this feature's own (members, activity, onboarding, FAQ, referrals, retention)
and those other features contribute (bot.contributions: peer help, nudges), each for a period and the period
just before it, so a facilitator sees the trend and not only the level.

Definitions (docs/facilitator.md repeats them for facilitators), for a period [start, end):
- members: joined before `end` and not left by `end`; newcomers: joined in the period; left: left in it.
- active daily / weekly / monthly: distinct members with activity in the 1 / 7 / 30 days before `end`;
  active in the period: distinct members with activity in [start, end).
- onboarding completion: of the onboardings started in the period, the share finished before `end`.
- FAQ answered: answers given in the period; FAQ gaps: questions left unanswered in the period.
- referrals: newcomers attributed to a sponsor in the period; counted: referrals that started to count in it.
- retention (bot.facilitator.retention): members present at `start`, kept or lost by `end`, and the savings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.contributions import Figure, FigureSource
from bot.facilitator.periods import Period
from bot.facilitator.retention import retention_figures
from bot.store.faq_models import FaqAnswer, FaqGap
from bot.store.models import Activity, Member
from bot.store.profile_models import Onboarding, Referral

L = "facilitator.fig."  # the labels' i18n prefix


@dataclass(frozen=True, slots=True)
class Compared:
    """One figure over the period, and the same figure over the period before (None: not measured then)."""

    current: Figure
    previous: Figure | None

    @property
    def change(self) -> float | None:
        before = self.previous.value if self.previous is not None else None
        if self.current.value is None or before is None:
            return None
        return self.current.value - before


async def _scalar(session: AsyncSession, stmt: object) -> int:
    return int((await session.execute(stmt)).scalar_one() or 0)  # type: ignore[call-overload]


async def _active(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> int:
    stmt = select(func.count(func.distinct(Activity.member_id))).where(
        Activity.community_id == community_id, Activity.ts >= start, Activity.ts < end)
    return await _scalar(session, stmt)


async def own_figures(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> list[Figure]:
    """This feature's figures for [start, end). A FigureSource, like the ones other features contribute."""
    in_community = Member.community_id == community_id
    present_at_end = and_(in_community, Member.joined_at < end, or_(Member.left_at.is_(None), Member.left_at >= end))
    members = await _scalar(session, select(func.count()).select_from(Member).where(present_at_end))
    newcomers = await _scalar(session, select(func.count()).select_from(Member).where(
        in_community, Member.joined_at >= start, Member.joined_at < end))
    left = await _scalar(session, select(func.count()).select_from(Member).where(
        in_community, Member.left_at >= start, Member.left_at < end))
    daily = await _active(session, community_id, end - timedelta(days=1), end)
    weekly = await _active(session, community_id, end - timedelta(days=7), end)
    monthly = await _active(session, community_id, end - timedelta(days=30), end)
    active = await _active(session, community_id, start, end)

    started_in = and_(Onboarding.community_id == community_id, Onboarding.started_at >= start,
                      Onboarding.started_at < end)
    started = await _scalar(session, select(func.count()).select_from(Onboarding).where(started_in))
    finished = await _scalar(session, select(func.count()).select_from(Onboarding).where(
        started_in, Onboarding.finished_at.is_not(None), Onboarding.finished_at < end))

    answered = await _scalar(session, select(func.count()).select_from(FaqAnswer).where(
        FaqAnswer.community_id == community_id, FaqAnswer.ts >= start, FaqAnswer.ts < end))
    gaps = await _scalar(session, select(func.count()).select_from(FaqGap).where(
        FaqGap.community_id == community_id, FaqGap.created_at >= start, FaqGap.created_at < end))

    attributed = await _scalar(session, select(func.count()).select_from(Referral).where(
        Referral.community_id == community_id, Referral.attributed_at >= start, Referral.attributed_at < end))
    counted = await _scalar(session, select(func.count()).select_from(Referral).where(
        Referral.community_id == community_id, Referral.counted_at >= start, Referral.counted_at < end))

    figures = [
        Figure("members", L + "members", members),
        Figure("newcomers", L + "newcomers", newcomers),
        Figure("left", L + "left", left),
        Figure("active_daily", L + "active_daily", daily),
        Figure("active_weekly", L + "active_weekly", weekly),
        Figure("active_monthly", L + "active_monthly", monthly),
        Figure("active_period", L + "active_period", active),
        Figure("onboarding_started", L + "onboarding_started", started),
        Figure("onboarding_completion", L + "onboarding_completion", finished / started if started else None,
               "percent"),
        Figure("faq_answered", L + "faq_answered", answered),
        Figure("faq_gaps", L + "faq_gaps", gaps),
        Figure("referrals", L + "referrals", attributed),
        Figure("referrals_counted", L + "referrals_counted", counted),
    ]
    figures.extend(await retention_figures(session, community_id, start, end))
    return figures


async def figures_for(session: AsyncSession, community_id: int, start: datetime, end: datetime,
                      sources: Sequence[FigureSource] = ()) -> list[Figure]:
    """Every figure of [start, end): this feature's, then each contributed source's, in registration order."""
    found = await own_figures(session, community_id, start, end)
    for source in sources:
        found.extend(await source(session, community_id, start, end))
    return found


async def compare(session: AsyncSession, community_id: int, period: Period,
                  sources: Sequence[FigureSource] = ()) -> list[Compared]:
    """The period's figures, each beside the same figure for the period just before."""
    current = await figures_for(session, community_id, period.start, period.end, sources)
    before = period.previous()
    previous = {f.key: f for f in await figures_for(session, community_id, before.start, before.end, sources)}
    return [Compared(figure, previous.get(figure.key)) for figure in current]
