"""Who a broadcast goes to: `all`/`tous`, `sector:<slug>`/`filiere:<slug>`, `region:<name>` (quotes for a name
with spaces: `region:"Ile de France"`), `role:<member|facilitator|admin>` (French names too). A role segment
takes that role and those above it: `role:facilitator` includes the administrators, who facilitate too.
Members who left are never included; the author of the broadcast is left out (they wrote it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import ConversationRef
from bot.identity import ROLES
from bot.store.models import Member, MemberSector, PlatformAccount, Sector, Workspace

ALL_WORDS = frozenset({"all", "tous", "toutes", "tout", "everyone", "everybody", "tout-le-monde"})
_KINDS = {"sector": "sector", "sectors": "sector", "filiere": "sector", "filière": "sector",
          "filieres": "sector", "region": "region", "région": "region", "role": "role", "rôle": "role"}
ROLE_WORDS = {"member": "member", "members": "member", "membre": "member", "membres": "member",
              "facilitator": "facilitator", "facilitators": "facilitator", "animateur": "facilitator",
              "animateurs": "facilitator", "animatrice": "facilitator", "animatrices": "facilitator",
              "admin": "admin", "admins": "admin", "administrator": "admin", "administrators": "admin",
              "administrateur": "admin", "administrateurs": "admin", "administratrice": "admin"}
_TOKEN = re.compile(r'^(?P<kind>[^\s:]+):(?:"(?P<quoted>[^"]{1,120})"|(?P<plain>\S{1,120}))(?:\s+|$)'
                    r'|^(?P<word>\S+)(?:\s+|$)', re.DOTALL)


class BadSegment(ValueError):
    """Not a segment; `reason` is an i18n key of this feature (`value` is what was typed, for the message)."""

    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str  # all | sector | region | role
    value: str = ""

    def describe(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{self.value}"


@dataclass(frozen=True, slots=True)
class Recipient:
    member_id: int
    locale: str | None
    ref: ConversationRef


def split_segment(args: str) -> tuple[Segment, str]:
    """The segment at the start of `args` and the rest (the message). BadSegment when it is not one."""
    text = args.strip()
    found = _TOKEN.match(text)
    if found is None:
        raise BadSegment("facilitator.segment.missing")
    rest = text[found.end():].strip()
    word = found.group("word")
    if word is not None:
        if word.lower() in ALL_WORDS:
            return Segment("all"), rest
        raise BadSegment("facilitator.segment.unknown", word[:40])
    kind = _KINDS.get(found.group("kind").lower())
    value = (found.group("quoted") or found.group("plain") or "").strip()
    if kind is None or not value:
        raise BadSegment("facilitator.segment.unknown", found.group(0).strip()[:40])
    if kind == "role":
        role = ROLE_WORDS.get(value.lower())
        if role is None:
            raise BadSegment("facilitator.segment.unknown_role", value[:40])
        return Segment("role", role), rest
    if kind == "sector":
        return Segment("sector", value.lower()), rest
    return Segment("region", value), rest


async def check(session: AsyncSession, community_id: int, segment: Segment) -> None:
    """A sector segment names an existing, active sector of this community."""
    if segment.kind != "sector":
        return
    found = (await session.execute(select(Sector.id).where(
        Sector.community_id == community_id, Sector.slug == segment.value, Sector.retired_at.is_(None)))).first()
    if found is None:
        raise BadSegment("facilitator.segment.unknown_sector", segment.value)


def members_of(community_id: int, segment: Segment, exclude: int | None = None) -> Select[Any]:
    """The ids of the segment's members still in the community."""
    stmt = select(Member.id).where(Member.community_id == community_id, Member.left_at.is_(None))
    if exclude is not None:
        stmt = stmt.where(Member.id != exclude)
    if segment.kind == "sector":
        stmt = stmt.join(MemberSector, MemberSector.member_id == Member.id).join(
            Sector, Sector.id == MemberSector.sector_id).where(
            Sector.community_id == community_id, Sector.slug == segment.value)
    elif segment.kind == "region":
        stmt = stmt.where(func.lower(Member.region) == segment.value.lower())
    elif segment.kind == "role":
        stmt = stmt.where(Member.role.in_(ROLES[ROLES.index(segment.value):]))
    return stmt


async def recipients(session: AsyncSession, community_id: int, segment: Segment,
                     exclude: int | None = None) -> tuple[list[Recipient], int]:
    """Where to write to each member of the segment (their newest account that still takes DMs), and how many
    members have no such account."""
    ids = members_of(community_id, segment, exclude).subquery()
    stmt = (select(PlatformAccount.member_id, Member.locale, PlatformAccount.platform, Workspace.external_id,
                   PlatformAccount.dm_channel_id, PlatformAccount.external_user_id)
            .join(Member, Member.id == PlatformAccount.member_id)
            .join(Workspace, Workspace.id == PlatformAccount.workspace_id)
            .where(PlatformAccount.community_id == community_id, PlatformAccount.member_id.in_(select(ids.c.id)),
                   PlatformAccount.unreachable_at.is_(None))
            .order_by(PlatformAccount.member_id, PlatformAccount.id.desc()))
    chosen: dict[int, Recipient] = {}
    for member_id, locale, platform, workspace, dm_channel, user in await session.execute(stmt):
        if member_id not in chosen:
            ref = ConversationRef(platform, workspace, dm_channel, user, is_dm=dm_channel is not None)
            chosen[int(member_id)] = Recipient(int(member_id), locale, ref)
    total = int((await session.execute(select(func.count()).select_from(ids))).scalar_one())
    return list(chosen.values()), total - len(chosen)
