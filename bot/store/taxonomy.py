"""The community's sector taxonomy (filieres): add, rename, retire (its members move to another sector, never
lost) and import. Mistakes are raised as TaxonomyError with a short reason the caller turns into a message."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import MemberSector, Sector

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class TaxonomyError(Exception):
    """`reason` is one of: bad_slug, bad_name, exists, unknown, retired, same, unknown_target."""

    def __init__(self, reason: str, slug: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.slug = slug


@dataclass(frozen=True, slots=True)
class SectorSpec:
    """A sector as a file or a facilitator describes it."""

    slug: str
    name_fr: str
    name_en: str
    description: str = ""
    examples: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # in the file, but retired here: updated, left retired


def check_slug(slug: str) -> str:
    if not SLUG.match(slug):
        raise TaxonomyError("bad_slug", slug)
    return slug


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise TaxonomyError("bad_name")
    return name


class Taxonomy:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def all(self) -> list[Sector]:
        stmt = select(Sector).where(Sector.community_id == self.community_id).order_by(Sector.id)
        return list((await self.session.execute(stmt)).scalars())

    async def get(self, slug: str) -> Sector | None:
        stmt = select(Sector).where(Sector.community_id == self.community_id, Sector.slug == slug)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def member_counts(self) -> dict[int, int]:
        stmt = (select(MemberSector.sector_id, func.count())
                .where(MemberSector.community_id == self.community_id).group_by(MemberSector.sector_id))
        return {int(sid): int(n) for sid, n in await self.session.execute(stmt)}

    async def add(self, spec: SectorSpec) -> Sector:
        check_slug(spec.slug)
        if await self.get(spec.slug) is not None:
            raise TaxonomyError("exists", spec.slug)
        sector = Sector(community_id=self.community_id, slug=spec.slug, name_fr=check_name(spec.name_fr),
                        name_en=check_name(spec.name_en), description=spec.description,
                        examples=list(spec.examples), tags=list(spec.tags), channel=spec.channel)
        self.session.add(sector)
        await self.session.flush()
        return sector

    async def rename(self, slug: str, name_fr: str, name_en: str) -> tuple[str, str]:
        """New names for a sector (the slug stays: it is the stable id). Returns the old (fr, en) names."""
        sector = await self.get(slug)
        if sector is None:
            raise TaxonomyError("unknown", slug)
        old = (sector.name_fr, sector.name_en)
        sector.name_fr, sector.name_en = check_name(name_fr), check_name(name_en)
        await self.session.flush()
        return old

    async def retire(self, slug: str, into: str, now: datetime) -> int:
        """Retire `slug`; its members join `into` (unless already there). Returns how many members moved."""
        sector, target = await self.get(slug), await self.get(into)
        if sector is None:
            raise TaxonomyError("unknown", slug)
        if sector.retired_at is not None:
            raise TaxonomyError("retired", slug)
        if target is None:
            raise TaxonomyError("unknown_target", into)
        if target.retired_at is not None:
            raise TaxonomyError("retired", into)
        if target.id == sector.id:
            raise TaxonomyError("same", slug)
        members = set((await self.session.execute(select(MemberSector.member_id).where(
            MemberSector.sector_id == sector.id))).scalars())
        already = set((await self.session.execute(select(MemberSector.member_id).where(
            MemberSector.sector_id == target.id))).scalars())
        await self.session.execute(delete(MemberSector).where(
            MemberSector.sector_id == sector.id, MemberSector.member_id.in_(already)))
        await self.session.execute(update(MemberSector).where(MemberSector.sector_id == sector.id)
                                   .values(sector_id=target.id))
        sector.retired_at = now
        await self.session.flush()
        return len(members - already)

    async def upsert(self, spec: SectorSpec) -> bool:
        """Create the sector, or bring an existing one up to date. A retired sector stays retired: retiring
        is a facilitator's decision that an old file must not undo. True if created."""
        sector = await self.get(check_slug(spec.slug))
        if sector is None:
            await self.add(spec)
            return True
        sector.name_fr, sector.name_en = check_name(spec.name_fr), check_name(spec.name_en)
        sector.description, sector.channel = spec.description, spec.channel
        sector.examples, sector.tags = list(spec.examples), list(spec.tags)
        await self.session.flush()
        return False

    async def import_all(self, specs: list[SectorSpec]) -> ImportReport:
        """Upsert every sector of a file. Sectors missing from the file are left alone: importing never
        retires anything, so no member loses a sector by an import."""
        report = ImportReport()
        for spec in specs:
            if await self.upsert(spec):
                report.created.append(spec.slug)
            else:
                existing = await self.get(spec.slug)
                retired = existing is not None and existing.retired_at is not None
                (report.retired if retired else report.updated).append(spec.slug)
        return report
