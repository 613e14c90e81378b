"""The member directory: consenting members of one community, searched by name, sector, expertise tag or
region. Matching is accent- and case-insensitive (bot.fold) and done in Python, so both databases agree; a
community's consenting members are a few thousand rows at most."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.fold import fold
from bot.store.models import Member, MemberSector, PlatformAccount, Sector
from bot.store.profile_models import MemberExpertise
from bot.store.profiles import SectorView


@dataclass(frozen=True, slots=True)
class Entry:
    member_id: int
    name: str
    region: str | None
    is_expert: bool
    locale: str | None
    timezone: str | None
    sectors: tuple[SectorView, ...]
    tags: tuple[str, ...]
    accounts: tuple[tuple[int, str], ...]  # (workspace id, platform user id): to mention them where they are

    def words(self) -> str:
        parts = [self.name, self.region or "", *self.tags]
        for sector in self.sectors:
            parts += [sector.slug, sector.name_fr, sector.name_en]
        return " | ".join(fold(p) for p in parts)


@dataclass(frozen=True, slots=True)
class Page:
    entries: tuple[Entry, ...]
    total: int
    page: int
    pages: int


class Directory:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def listed(self) -> list[Entry]:
        """Every member who consented and has not left, by name."""
        cid = self.community_id
        members = list((await self.session.execute(
            select(Member).where(Member.community_id == cid, Member.directory_consent_at.is_not(None),
                                 Member.left_at.is_(None))
            .order_by(Member.display_name, Member.id))).scalars())
        sectors: dict[int, list[SectorView]] = defaultdict(list)
        for link, sector in await self.session.execute(
                select(MemberSector, Sector).join(Sector, Sector.id == MemberSector.sector_id)
                .where(MemberSector.community_id == cid, Sector.retired_at.is_(None)).order_by(Sector.id)):
            sectors[link.member_id].append(SectorView.of(sector))
        tags: dict[int, list[str]] = defaultdict(list)
        for member_id, tag in await self.session.execute(
                select(MemberExpertise.member_id, MemberExpertise.tag)
                .where(MemberExpertise.community_id == cid).order_by(MemberExpertise.tag)):
            tags[member_id].append(tag)
        accounts: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for member_id, workspace_id, user in await self.session.execute(
                select(PlatformAccount.member_id, PlatformAccount.workspace_id,
                       PlatformAccount.external_user_id).where(PlatformAccount.community_id == cid)):
            accounts[member_id].append((workspace_id, user))
        return [Entry(m.id, m.display_name, m.region, bool(m.is_expert), m.locale, m.timezone,
                      tuple(sectors[m.id]), tuple(tags[m.id]), tuple(accounts[m.id])) for m in members]

    async def search(self, query: str = "", sector_id: int | None = None, page: int = 1,
                     per_page: int = 5) -> Page:
        """Members matching every word of `query` (each word in the name, region, a tag or a sector), in
        `sector_id` if given; one page of them."""
        words = fold(query).split()
        found = []
        for entry in await self.listed():
            if sector_id is not None and sector_id not in {s.id for s in entry.sectors}:
                continue
            haystack = entry.words()
            if all(word in haystack for word in words):
                found.append(entry)
        pages = max(1, -(-len(found) // per_page))
        page = min(max(1, page), pages)
        start = (page - 1) * per_page
        return Page(tuple(found[start:start + per_page]), len(found), page, pages)
