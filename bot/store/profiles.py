"""Member profiles: reading one whole profile, changing its fields, sectors and expertise tags, and finding
the way to a member's private messages. Bound to one community, like every repository."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import ConversationRef
from bot.store.models import Member, MemberSector, PlatformAccount, Sector, Workspace
from bot.store.profile_models import MemberExpertise, Onboarding, Referral, ReferralCode

NUDGE_FREQUENCIES = ("weekly", "monthly", "never")
MAX_TAGS = 12


@dataclass(frozen=True, slots=True)
class SectorView:
    id: int
    slug: str
    name_fr: str
    name_en: str
    channel: str | None

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_fr

    @classmethod
    def of(cls, sector: Sector) -> SectorView:
        return cls(sector.id, sector.slug, sector.name_fr, sector.name_en, sector.channel)


@dataclass(frozen=True, slots=True)
class Profile:
    member_id: int
    display_name: str
    locale: str | None
    timezone: str | None
    region: str | None
    is_expert: bool
    nudge_frequency: str
    listed: bool  # consented to appear in the directory
    sectors: tuple[SectorView, ...]
    tags: tuple[str, ...]


class Profiles:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def load(self, member_id: int) -> Profile | None:
        member = (await self.session.execute(select(Member).where(
            Member.id == member_id, Member.community_id == self.community_id))).scalar_one_or_none()
        if member is None:
            return None
        return Profile(member.id, member.display_name, member.locale, member.timezone, member.region,
                       bool(member.is_expert), member.nudge_frequency or "weekly",
                       member.directory_consent_at is not None, tuple(await self.sectors_of(member_id)),
                       tuple(await self.tags(member_id)))

    async def set_fields(self, member_id: int, **values: Any) -> None:
        await self.session.execute(update(Member).where(
            Member.id == member_id, Member.community_id == self.community_id).values(**values))

    # --- sectors -----------------------------------------------------------------------------------------
    async def sectors_of(self, member_id: int) -> list[SectorView]:
        stmt = (select(Sector).join(MemberSector, MemberSector.sector_id == Sector.id)
                .where(MemberSector.member_id == member_id, Sector.community_id == self.community_id)
                .order_by(Sector.id))
        return [SectorView.of(s) for s in (await self.session.execute(stmt)).scalars()]

    async def active_sectors(self) -> list[SectorView]:
        stmt = select(Sector).where(Sector.community_id == self.community_id, Sector.retired_at.is_(None))
        return [SectorView.of(s) for s in (await self.session.execute(stmt.order_by(Sector.id))).scalars()]

    async def toggle_sector(self, member_id: int, sector_id: int) -> bool:
        """Add the member to the sector, or take them out of it; True when they are in it afterwards."""
        if sector_id in {s.id for s in await self.sectors_of(member_id)}:
            await self.session.execute(delete(MemberSector).where(
                MemberSector.member_id == member_id, MemberSector.sector_id == sector_id))
            return False
        self.session.add(MemberSector(member_id=member_id, sector_id=sector_id,
                                      community_id=self.community_id))
        await self.session.flush()
        return True

    async def set_sectors(self, member_id: int, sector_ids: Iterable[int]) -> None:
        await self.session.execute(delete(MemberSector).where(
            MemberSector.member_id == member_id, MemberSector.community_id == self.community_id))
        for sector_id in dict.fromkeys(sector_ids):
            self.session.add(MemberSector(member_id=member_id, sector_id=sector_id,
                                          community_id=self.community_id))
        await self.session.flush()

    # --- expertise tags ----------------------------------------------------------------------------------
    async def tags(self, member_id: int) -> list[str]:
        stmt = select(MemberExpertise.tag).where(MemberExpertise.member_id == member_id,
                                                 MemberExpertise.community_id == self.community_id)
        return sorted((await self.session.execute(stmt)).scalars())

    async def add_tags(self, member_id: int, tags: Iterable[str]) -> list[str]:
        """Add tags (already normalised) up to MAX_TAGS; returns those actually added."""
        have = set(await self.tags(member_id))
        added = []
        for tag in tags:
            if tag in have or len(have) >= MAX_TAGS:
                continue
            self.session.add(MemberExpertise(member_id=member_id, tag=tag, community_id=self.community_id))
            have.add(tag)
            added.append(tag)
        await self.session.flush()
        return added

    async def remove_tag(self, member_id: int, tag: str) -> None:
        await self.session.execute(delete(MemberExpertise).where(
            MemberExpertise.member_id == member_id, MemberExpertise.tag == tag,
            MemberExpertise.community_id == self.community_id))

    async def suggested_tags(self, sector_ids: Iterable[int], limit: int = 8) -> list[str]:
        """The sectors' own suggestions first, then what members of those sectors most often chose."""
        ids = list(sector_ids)
        found: list[str] = []
        if ids:
            rows = (await self.session.execute(select(Sector.tags).where(
                Sector.community_id == self.community_id, Sector.id.in_(ids)).order_by(Sector.id))).scalars()
            for tags in rows:
                found += [str(t) for t in tags or []]
            popular = (select(MemberExpertise.tag, func.count().label("n"))
                       .join(MemberSector, MemberSector.member_id == MemberExpertise.member_id)
                       .where(MemberExpertise.community_id == self.community_id,
                              MemberSector.sector_id.in_(ids))
                       .group_by(MemberExpertise.tag)
                       .order_by(func.count().desc(), MemberExpertise.tag).limit(limit))
            found += list((await self.session.execute(popular)).scalars())
        return list(dict.fromkeys(found))[:limit]

    # --- regions -----------------------------------------------------------------------------------------
    async def popular_regions(self, limit: int = 5) -> list[str]:
        rows = (await self.session.execute(select(Member.region).where(
            Member.community_id == self.community_id, Member.region.is_not(None)))).scalars()
        counts = Counter(r for r in rows if r)
        return [region for region, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]

    # --- reaching a member -------------------------------------------------------------------------------
    async def dm_ref(self, member_id: int) -> ConversationRef | None:
        """Where to write to a member privately: their newest platform account that still accepts DMs."""
        stmt = (select(PlatformAccount, Workspace.external_id)
                .join(Workspace, Workspace.id == PlatformAccount.workspace_id)
                .where(PlatformAccount.community_id == self.community_id,
                       PlatformAccount.member_id == member_id, PlatformAccount.unreachable_at.is_(None))
                .order_by(PlatformAccount.id.desc()).limit(1))
        row = (await self.session.execute(stmt)).first()
        if row is None:
            return None
        account, workspace = row
        return ConversationRef(account.platform, workspace, account.dm_channel_id, account.external_user_id,
                               is_dm=account.dm_channel_id is not None)

    async def account_in(self, member_id: int, workspace_id: int) -> str | None:
        """The member's user id in one workspace (to mention them there), if they have an account in it."""
        stmt = select(PlatformAccount.external_user_id).where(
            PlatformAccount.community_id == self.community_id, PlatformAccount.member_id == member_id,
            PlatformAccount.workspace_id == workspace_id).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()


async def merge_profiles(session: AsyncSession, community_id: int, source_id: int, target_id: int) -> None:
    """Account linking: the profile rows of member `source_id` become `target_id`'s before the source goes.
    The target keeps what it already has (its tags, its onboarding record, its referral code)."""
    have = set((await session.execute(select(MemberExpertise.tag).where(
        MemberExpertise.member_id == target_id))).scalars())
    await session.execute(delete(MemberExpertise).where(
        MemberExpertise.member_id == source_id, MemberExpertise.tag.in_(have)))
    await session.execute(update(MemberExpertise).where(
        MemberExpertise.community_id == community_id, MemberExpertise.member_id == source_id)
        .values(member_id=target_id))
    for model in (Onboarding, ReferralCode):
        target_has = (await session.execute(select(func.count()).select_from(model).where(
            model.member_id == target_id))).scalar_one()
        if target_has:
            await session.execute(delete(model).where(model.member_id == source_id))
        else:
            await session.execute(update(model).where(
                model.community_id == community_id, model.member_id == source_id).values(member_id=target_id))
    await session.execute(update(Referral).where(
        Referral.community_id == community_id, Referral.sponsor_id == source_id).values(sponsor_id=target_id))
    target_referred = (await session.execute(select(func.count()).select_from(Referral).where(
        Referral.newcomer_id == target_id))).scalar_one()
    if target_referred:
        await session.execute(delete(Referral).where(Referral.newcomer_id == source_id))
    else:
        await session.execute(update(Referral).where(
            Referral.community_id == community_id, Referral.newcomer_id == source_id)
            .values(newcomer_id=target_id))
    await session.execute(delete(Referral).where(Referral.sponsor_id == Referral.newcomer_id))
