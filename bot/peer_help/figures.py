"""What peer help contributes to other features (bot.contributions), without them importing it: figures for
`/agora stats`, a CSV table for `/agora export` (never the question text), and the open requests a member
could answer for the weekly nudges (batched: three queries whatever the number of members)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.contributions import Figure, NudgeItem, Table
from bot.store.models import Member, MemberSector, Sector
from bot.store.peer_help_models import HelpRequest


async def figures(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> list[Figure]:
    """Requests opened in [start, end): how many, claimed, resolved, the median hours to the first claim and
    the resolution rate (resolved over opened); per sector figures are in `per_sector`."""
    rows = (await session.execute(select(HelpRequest.opened_at, HelpRequest.claimed_at, HelpRequest.resolved_at)
                                  .where(HelpRequest.community_id == community_id,
                                         HelpRequest.opened_at.is_not(None), HelpRequest.opened_at >= start,
                                         HelpRequest.opened_at < end))).all()
    return _figures("help", rows)


def _figures(prefix: str, rows: Sequence[tuple[datetime | None, datetime | None, datetime | None]]) -> list[Figure]:
    opened = len(rows)
    claimed = [(utc(c) - utc(o)).total_seconds() / 3600 for o, c, _ in rows if o is not None and c is not None]
    resolved = sum(1 for _, _, r in rows if r is not None)
    return [
        Figure(f"{prefix}.opened", "help_req.fig.opened", float(opened)),
        Figure(f"{prefix}.claimed", "help_req.fig.claimed", float(len(claimed))),
        Figure(f"{prefix}.resolved", "help_req.fig.resolved", float(resolved)),
        Figure(f"{prefix}.hours_to_claim", "help_req.fig.hours_to_claim",
               round(statistics.median(claimed), 2) if claimed else None, "hours"),
        Figure(f"{prefix}.resolution_rate", "help_req.fig.resolution_rate",
               round(resolved / opened, 4) if opened else None, "percent"),
    ]


async def per_sector(session: AsyncSession, community_id: int, start: datetime,
                     end: datetime) -> dict[str, list[Figure]]:
    """The same figures for each sector (slug; "-" for requests without one)."""
    rows = (await session.execute(
        select(Sector.slug, HelpRequest.opened_at, HelpRequest.claimed_at, HelpRequest.resolved_at)
        .outerjoin(Sector, Sector.id == HelpRequest.sector_id)
        .where(HelpRequest.community_id == community_id, HelpRequest.opened_at.is_not(None),
               HelpRequest.opened_at >= start, HelpRequest.opened_at < end))).all()
    grouped: dict[str, list[tuple[datetime | None, datetime | None, datetime | None]]] = {}
    for slug, o, c, r in rows:
        grouped.setdefault(slug or "-", []).append((o, c, r))
    return {slug: _figures(f"help.{slug}", items) for slug, items in sorted(grouped.items())}


async def requests_table(session: AsyncSession, community_id: int) -> Table:
    header = ("id", "sector", "status", "round", "lang", "asker_id", "expert_id", "created_at", "opened_at",
              "claimed_at", "resolved_at", "cancelled_at", "escalated_at", "kudos")
    rows = (await session.execute(
        select(HelpRequest.id, Sector.slug, HelpRequest.status, HelpRequest.round, HelpRequest.lang,
               HelpRequest.asker_id, HelpRequest.expert_id, HelpRequest.created_at, HelpRequest.opened_at,
               HelpRequest.claimed_at, HelpRequest.resolved_at, HelpRequest.cancelled_at,
               HelpRequest.escalated_at, HelpRequest.kudos_at)
        .outerjoin(Sector, Sector.id == HelpRequest.sector_id)
        .where(HelpRequest.community_id == community_id).order_by(HelpRequest.id))).all()
    out = []
    for row in rows:
        values = list(row)
        values[1] = values[1] or ""
        values[-1] = 1 if values[-1] is not None else 0
        out.append([utc(v).isoformat() if isinstance(v, datetime) else ("" if v is None else v) for v in values])
    return Table("help_requests", header, out)


async def nudge_items(session: AsyncSession, community_id: int, member_ids: Sequence[int], since: datetime,
                      now: datetime) -> dict[int, list[NudgeItem]]:
    """Open, unclaimed requests in the sectors of the given members who are experts and speak the request's
    language (never their own requests): three queries for any number of members."""
    if not member_ids:
        return {}
    ids = list(member_ids)
    experts = {m.id: m for m in (await session.execute(select(Member).where(
        Member.community_id == community_id, Member.id.in_(ids), Member.is_expert.is_(True),
        Member.left_at.is_(None)))).scalars()}
    if not experts:
        return {}
    sectors: dict[int, set[int]] = {}
    for member_id, sector in (await session.execute(select(MemberSector.member_id, MemberSector.sector_id).where(
            MemberSector.community_id == community_id, MemberSector.member_id.in_(list(experts))))).all():
        sectors.setdefault(int(member_id), set()).add(int(sector))
    open_rows = (await session.execute(
        select(HelpRequest.id, HelpRequest.sector_id, HelpRequest.asker_id, HelpRequest.lang, HelpRequest.opened_at,
               Sector.name_fr, Sector.name_en)
        .join(Sector, Sector.id == HelpRequest.sector_id)
        .where(HelpRequest.community_id == community_id, HelpRequest.status == "open",
               HelpRequest.opened_at >= since).order_by(HelpRequest.id).limit(500))).all()
    out: dict[int, list[NudgeItem]] = {}
    for rid, sector_id, asker_id, lang, _, name_fr, name_en in open_rows:
        for member_id, member in experts.items():
            if member_id == asker_id or sector_id not in sectors.get(member_id, set()):
                continue
            if member.locale is not None and member.locale != lang:
                continue
            out.setdefault(member_id, []).append(NudgeItem(
                kind="help_request", text_key="help_req.nudge.item",
                params={"id": rid, "sector": name_en if member.locale == "en" else name_fr}, ref=str(rid)))
    return out
