"""Planning a run: who gets a nudge this period, who is held out, and what each message holds.

Set-based on purpose (a run covers 100,000 members in well under a second, see bench/nudges.py): one query
selects the eligible members with every rule as a SQL condition, on indexes, then each content source runs
once for all of them. The rules:

- inactive: no activity for `nudge.inactive_days` (members.last_active_at, kept by the batched writer with
  the activity rows; a member never active counts from when they joined);
- not a newcomer (joined `nudge.newcomer_days` ago or more), not gone, not `nudge_frequency = never`
  ([Stop these]), not snoozed, reachable (a platform account whose DMs are not closed);
- at most one nudge per `nudge.window_days` (a month for members who chose "monthly");
- after `nudge.max_unanswered` nudges without activity since, nothing until they come back;
- not already in this period's run (a resumed run sends the rest, never twice).

Holdout members pass the same rules and are recorded like the nudged ones (so both groups are alike and the
report compares like with like); they get no message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Executable, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.community_settings import CommunitySettings
from bot.contributions import NudgeItem, NudgeSource
from bot.nudges.content import new_members_of_sectors, shared_items
from bot.nudges.periods import draw
from bot.store.models import Member, PlatformAccount
from bot.store.nudge_models import Nudge, NudgePreference

MAX_ITEMS = 5
MONTHLY_WINDOW = timedelta(days=30)
WEEK = timedelta(days=7)
_ORDER = {"flagged": 0, "help_request": 1, "new_member": 2, "faq_entry": 3}


@dataclass(frozen=True, slots=True)
class Rules:
    """The settings a run obeys, read once."""

    inactive_days: int
    newcomer_days: int
    window_days: int
    max_unanswered: int
    holdout_share: float

    @classmethod
    def of(cls, settings: CommunitySettings) -> Rules:
        return cls(settings.integer("nudge.inactive_days"), settings.integer("nudge.newcomer_days"),
                   settings.integer("nudge.window_days"), settings.integer("nudge.max_unanswered"),
                   settings.number("nudge.holdout_share"))


@dataclass(slots=True)
class Planned:
    """One member of the run: `days` without activity is the reason given to them."""

    member_id: int
    name: str
    locale: str | None
    timezone: str | None
    days: int
    holdout: bool
    items: list[NudgeItem] = field(default_factory=list)


@dataclass(slots=True)
class Plan:
    community_id: int
    period: str
    now: datetime
    rules: Rules
    members: list[Planned]

    @property
    def nudged(self) -> list[Planned]:
        return [p for p in self.members if not p.holdout]

    @property
    def held_out(self) -> list[Planned]:
        return [p for p in self.members if p.holdout]


def eligible_query(community_id: int, period: str, now: datetime, rules: Rules) -> Executable:
    """The eligibility query (see the module's docstring), one row per member to include."""
    inactive_cut = now - timedelta(days=rules.inactive_days)
    window_cut = now - timedelta(days=rules.window_days)
    monthly_cut = now - max(MONTHLY_WINDOW, timedelta(days=rules.window_days))
    recent = exists().where(
        Nudge.member_id == Member.id,
        or_(Nudge.period == period,
            Nudge.created_at > case((Member.nudge_frequency == "monthly", monthly_cut), else_=window_cut)))
    unanswered = (select(func.count()).select_from(Nudge)
                  .where(Nudge.member_id == Member.id,
                         Nudge.created_at > func.coalesce(Member.last_active_at, Member.joined_at))
                  .scalar_subquery())
    snoozed = exists().where(NudgePreference.member_id == Member.id, NudgePreference.snoozed_until > now)
    reachable = exists().where(PlatformAccount.member_id == Member.id, PlatformAccount.unreachable_at.is_(None))
    return (select(Member.id, Member.display_name, Member.locale, Member.timezone, Member.last_active_at,
                   Member.joined_at)
            .where(Member.community_id == community_id,
                   Member.left_at.is_(None),
                   Member.joined_at <= now - timedelta(days=rules.newcomer_days),
                   Member.nudge_frequency != "never",
                   or_(Member.last_active_at < inactive_cut,
                       and_(Member.last_active_at.is_(None), Member.joined_at < inactive_cut)),
                   ~recent, ~snoozed, reachable, unanswered < rules.max_unanswered)
            .order_by(Member.id))


async def plan(session: AsyncSession, community_id: int, period: str, now: datetime, rules: Rules,
               sources: Sequence[NudgeSource] = ()) -> Plan:
    """Who gets what this period (nothing is written). `sources` are other features' item sources."""
    # Through the Core connection: tens of thousands of plain rows, without the ORM's per-row cost.
    conn = await session.connection()
    rows = (await conn.execute(eligible_query(community_id, period, now, rules))).all()
    members: list[Planned] = []
    share = rules.holdout_share
    for member_id, name, locale, tz, last_active, joined in rows:
        since = utc(last_active if last_active is not None else joined)
        members.append(Planned(member_id, name or "", locale, tz, max(0, (now - since).days),
                               draw(community_id, member_id) < share))
    await add_items(session, community_id, [p for p in members if not p.holdout], now, sources)
    return Plan(community_id, period, now, rules, members)


async def add_items(session: AsyncSession, community_id: int, members: Sequence[Planned], now: datetime,
                    sources: Sequence[NudgeSource] = ()) -> None:
    """Fill each member's items from every source (each called once for all), best first, capped."""
    if not members:
        return
    since = now - WEEK
    ids = [p.member_id for p in members]
    shared = await shared_items(session, community_id, since, now)
    per_member: list[dict[int, list[NudgeItem]]] = [
        await new_members_of_sectors(session, community_id, ids, since, now)]
    for source in sources:
        per_member.append(await source(session, community_id, ids, since, now))
    for planned in members:
        found = list(shared)
        for items in per_member:
            found.extend(items.get(planned.member_id, ()))
        found.sort(key=lambda item: _ORDER.get(item.kind, 9))
        planned.items = found[:MAX_ITEMS]
