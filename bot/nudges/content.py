"""The nudges' own items, each a batched source (bot.contributions.NudgeSource): a handful of queries per run,
whatever the number of members.

- new members of the member's sectors, since the week began (counts, never names: the newcomers did not all
  agree to be listed);
- new FAQ entries (their questions, capped);
- what facilitators flagged for the week (`/agora nudge flag`), shown to everyone nudged while it lasts.

A param given as a {locale: text} mapping is rendered in the member's language (sector names).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.contributions import NudgeItem
from bot.markup import user_text
from bot.store.faq_models import FaqEntry
from bot.store.id_lists import SQLITE_IDS_PER_QUERY, id_conditions
from bot.store.models import Member, MemberSector, Sector
from bot.store.nudge_models import NudgeFlag

MAX_FAQ = 3
QUESTION_CHARS = 120


async def new_members_of_sectors(session: AsyncSession, community_id: int, member_ids: Sequence[int],
                                 since: datetime, now: datetime, *,
                                 chunk: int = SQLITE_IDS_PER_QUERY) -> dict[int, list[NudgeItem]]:
    """For each member, one item per sector of theirs that welcomed newcomers since `since`."""
    counts = dict((await session.execute(
        select(MemberSector.sector_id, func.count())
        .join(Member, Member.id == MemberSector.member_id)
        .where(MemberSector.community_id == community_id, Member.community_id == community_id,
               Member.joined_at >= since, Member.joined_at < now, Member.left_at.is_(None))
        .group_by(MemberSector.sector_id))).all())
    if not counts:
        return {}
    names = {sid: {"fr": fr, "en": en} for sid, fr, en in (await session.execute(
        select(Sector.id, Sector.name_fr, Sector.name_en)
        .where(Sector.community_id == community_id, Sector.id.in_(counts), Sector.retired_at.is_(None))
    ))}
    # One item per sector, shared by its members (items are read-only). Only the memberships of the members
    # being planned are read (by primary key; see bot.store.id_lists), through the Core connection: a sector
    # can have tens of thousands of members, and rows cost more than the lookups.
    per_sector = {sid: NudgeItem("new_member", "nudges.item.new_members",
                                 {"count": counts[sid], "sector": name}, ref=f"sector:{sid}")
                  for sid, name in names.items()}
    items: dict[int, list[NudgeItem]] = {}
    conn = await session.connection()
    for condition in id_conditions(MemberSector.member_id, member_ids, conn.dialect.name, chunk=chunk):
        memberships = (await conn.execute(
            select(MemberSector.member_id, MemberSector.sector_id)
            .where(MemberSector.community_id == community_id, condition,
                   MemberSector.sector_id.in_(list(per_sector))))).all()
        for member_id, sector_id in memberships:
            items.setdefault(member_id, []).append(per_sector[sector_id])
    return items


async def shared_items(session: AsyncSession, community_id: int, since: datetime,
                       now: datetime) -> list[NudgeItem]:
    """What every nudged member of the community gets: the facilitators' flags, then new FAQ entries."""
    flags = (await session.execute(
        select(NudgeFlag.id, NudgeFlag.text)
        .where(NudgeFlag.community_id == community_id, NudgeFlag.created_at <= now, NudgeFlag.expires_at > now)
        .order_by(NudgeFlag.id))).all()
    entries = (await session.execute(
        select(FaqEntry.id, FaqEntry.question)
        .where(FaqEntry.community_id == community_id, FaqEntry.created_at >= since, FaqEntry.created_at < now)
        .order_by(FaqEntry.created_at.desc(), FaqEntry.id.desc()).limit(MAX_FAQ))).all()
    items = [NudgeItem("flagged", "nudges.item.flag", {"text": user_text(text)}, ref=f"flag:{fid}")
             for fid, text in flags]
    items += [NudgeItem("faq_entry", "nudges.item.faq", {"question": user_text(_cap(question))}, ref=f"faq:{eid}")
              for eid, question in entries]
    return items


def _cap(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUESTION_CHARS else text[: QUESTION_CHARS - 1] + "…"
