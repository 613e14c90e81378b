"""Choosing the experts to ask, fairly: who may be asked, who is free right now, and in which order.

Eligible: a member who opted in as an expert (`Member.is_expert`), is still in the community, is not the
asker, was not already offered this request, and belongs to the request's sector or has an expertise tag that
matches (one of the sector's suggested tags, or a tag that appears in the question).
Available now: speaks the request's language (their language, or the community's when unset); not away or
snoozed; inside waking hours (bot.local_time: 08:00 to 21:00 in their time zone, or the community's); under the
cap of requests they hold (claimed, not yet resolved); reachable (a platform account whose DMs are open).
Order: least recently asked first (never asked comes first), then better responders (claims over offers,
smoothed), then the oldest member. Platforms do not matter: a Slack expert can help a Telegram member.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.faq.text import fold
from bot.local_time import awake, zone
from bot.store.models import Member, MemberSector, PlatformAccount, Sector
from bot.store.peer_help_models import ExpertAvailability, HelpAttempt, HelpRequest
from bot.store.profile_models import MemberExpertise

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ExpertStatus:
    """One expert as `/agora experts` shows them and the choice sees them. `reason` is None when available
    right now, else an i18n key suffix: away, snoozed, asleep, cap, unreachable, language."""

    member_id: int
    name: str
    locale: str
    reason: str | None
    away_until: datetime | None
    holding: int
    asked: int
    claims: int
    kudos: int
    last_asked: datetime | None

    @property
    def score(self) -> float:
        return (self.claims + 1) / (self.asked + 2)


async def matching_tags(session: AsyncSession, community_id: int, sector_id: int | None, question: str) -> set[str]:
    """The expertise tags that point to this request: the sector's suggested tags and any experts' tag that
    appears, as whole words, in the question."""
    tags: set[str] = set()
    if sector_id is not None:
        sector = (await session.execute(select(Sector.tags).where(
            Sector.id == sector_id, Sector.community_id == community_id))).scalar_one_or_none()
        tags.update(t for t in (sector or []) if isinstance(t, str))
    folded = f" {fold(question)} "
    known = (await session.execute(select(MemberExpertise.tag).where(
        MemberExpertise.community_id == community_id).distinct())).scalars()
    tags.update(tag for tag in known if fold(tag) and f" {fold(tag)} " in folded)
    return tags


async def statuses(session: AsyncSession, community_id: int, *, now: datetime, cap: int, community_tz: str,
                   default_locale: str, sector_id: int | None = None, tags: Sequence[str] = (),
                   exclude: Sequence[int] = ()) -> list[ExpertStatus]:
    """Every eligible expert (of the sector or tags when given, else all) with whether they are free now;
    a handful of queries whatever their number."""
    stmt = select(Member).where(Member.community_id == community_id, Member.is_expert.is_(True),
                                Member.left_at.is_(None))
    if sector_id is not None or tags:
        conditions = []
        if sector_id is not None:
            conditions.append(Member.id.in_(select(MemberSector.member_id).where(
                MemberSector.community_id == community_id, MemberSector.sector_id == sector_id)))
        if tags:
            conditions.append(Member.id.in_(select(MemberExpertise.member_id).where(
                MemberExpertise.community_id == community_id, MemberExpertise.tag.in_(list(tags)))))
        stmt = stmt.where(or_(*conditions))
    if exclude:
        stmt = stmt.where(Member.id.not_in(list(exclude)))
    members = list((await session.execute(stmt.order_by(Member.id))).scalars())
    if not members:
        return []
    ids = [m.id for m in members]
    away = {row.member_id: row for row in (await session.execute(select(ExpertAvailability).where(
        ExpertAvailability.community_id == community_id, ExpertAvailability.member_id.in_(ids)))).scalars()}
    reachable = set((await session.execute(select(PlatformAccount.member_id).where(
        PlatformAccount.community_id == community_id, PlatformAccount.member_id.in_(ids),
        PlatformAccount.unreachable_at.is_(None)))).scalars())
    holding = {k: int(v) for k, v in (await session.execute(select(HelpRequest.expert_id, func.count()).where(
        HelpRequest.community_id == community_id, HelpRequest.status == "claimed",
        HelpRequest.expert_id.in_(ids)).group_by(HelpRequest.expert_id))).all()}
    kudos = {k: int(v) for k, v in (await session.execute(select(HelpRequest.expert_id, func.count()).where(
        HelpRequest.community_id == community_id, HelpRequest.kudos_at.is_not(None),
        HelpRequest.expert_id.in_(ids)).group_by(HelpRequest.expert_id))).all()}
    stats = {row[0]: row[1:] for row in (await session.execute(
        select(HelpAttempt.expert_id, func.count(), func.sum(case((HelpAttempt.outcome == "claimed", 1), else_=0)),
               func.max(HelpAttempt.asked_at))
        .where(HelpAttempt.community_id == community_id, HelpAttempt.expert_id.in_(ids))
        .group_by(HelpAttempt.expert_id))).all()}
    out: list[ExpertStatus] = []
    for m in members:
        availability = away.get(m.id)
        away_until = utc(availability.away_until) if availability and availability.away_until else None
        snoozed = utc(availability.snoozed_until) if availability and availability.snoozed_until else None
        held = int(holding.get(m.id, 0))
        locale = m.locale or default_locale
        reason: str | None = None
        if away_until is not None and away_until > now:
            reason = "away"
        elif snoozed is not None and snoozed > now:
            reason = "snoozed"
        elif m.id not in reachable:
            reason = "unreachable"
        elif held >= cap:
            reason = "cap"
        elif not awake(now, zone(m.timezone, community_tz)):
            reason = "asleep"
        asked, claims, last = stats.get(m.id, (0, 0, None))
        out.append(ExpertStatus(member_id=m.id, name=m.display_name, locale=locale, reason=reason,
                                away_until=away_until if reason == "away" else None, holding=held,
                                asked=int(asked or 0), claims=int(claims or 0), kudos=int(kudos.get(m.id, 0)),
                                last_asked=utc(last) if last is not None else None))
    return out


def rank(candidates: Sequence[ExpertStatus]) -> list[ExpertStatus]:
    """Least recently asked first, then better responders, then the oldest member."""
    return sorted(candidates, key=lambda s: (s.last_asked or _EPOCH, -s.score, s.member_id))


async def choose(session: AsyncSession, community_id: int, request: HelpRequest, *, count: int, cap: int,
                 now: datetime, community_tz: str, default_locale: str) -> tuple[list[ExpertStatus], int]:
    """The experts to ask now for `request`, and how many eligible experts exist at all (free or not, not
    yet asked): 0 means nobody could ever take it, so waiting is pointless."""
    asked = set((await session.execute(select(HelpAttempt.expert_id).where(
        HelpAttempt.community_id == community_id, HelpAttempt.request_id == request.id))).scalars())
    tags = await matching_tags(session, community_id, request.sector_id, request.question)
    found = await statuses(session, community_id, now=now, cap=cap, community_tz=community_tz,
                           default_locale=default_locale, sector_id=request.sector_id, tags=sorted(tags),
                           exclude=[request.asker_id, *asked])
    speaking = [s for s in found if s.locale == request.lang]
    free = [s for s in speaking if s.reason is None]
    could = [s for s in speaking if s.reason != "unreachable"]  # closed DMs: nobody can reach them
    return rank(free)[:count], len(could)


