"""Seeding the demo association from demo.yaml, through the repositories, idempotently: running `agora demo`
twice finds what the first run made (by slug, and by console account) and creates nothing twice. What a
member changed while chatting (their language, say) is kept. Seeded members have finished onboarding with a
complete profile and agreed to be listed, so the demo's directory has people in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import normalise_locale
from bot.identity import ROLES
from bot.store.onboarding import Onboardings
from bot.store.profiles import NUDGE_FREQUENCIES, Profiles
from bot.store.uow import UnitOfWork

# The console adapter's platform and workspace (adapters.console.adapter; a test checks they agree).
CONSOLE_PLATFORM = "console"
CONSOLE_WORKSPACE = "console"


class DemoError(Exception):
    """The demo file is malformed, or the database holds a console workspace of another community."""


@dataclass(frozen=True, slots=True)
class DemoSector:
    slug: str
    name_fr: str
    name_en: str
    description: str
    examples: tuple[str, ...]
    tags: tuple[str, ...] = ()
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class DemoMember:
    name: str
    console: str  # the console user id: adapters.console.user_id_for(name)
    locale: str
    role: str = "member"
    expert: bool = False
    region: str | None = None
    sectors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    timezone: str = "Europe/Paris"
    nudges: str = "weekly"
    listed: bool = True  # in the directory


@dataclass(frozen=True, slots=True)
class Demo:
    slug: str
    name: str
    locale: str
    timezone: str
    start_as: str
    sectors: tuple[DemoSector, ...]
    members: tuple[DemoMember, ...]


@dataclass(frozen=True, slots=True)
class SeedReport:
    community_id: int
    sectors_created: int
    members_created: int


def _str(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise DemoError(f"demo file: {key!r} must be a non-empty string")
    return value.strip()


def _strs(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DemoError(f"demo file: {key!r} must be a list of strings")
    return tuple(value)


def _member(data: dict[str, Any]) -> DemoMember:
    locale = normalise_locale(_str(data, "locale", "fr"))
    role = _str(data, "role", "member")
    if locale is None or role not in ROLES:
        raise DemoError(f"demo file: member {data.get('name')!r} has an unknown locale or role")
    region = data.get("region")
    nudges = _str(data, "nudges", "weekly")
    if nudges not in NUDGE_FREQUENCIES:
        raise DemoError(f"demo file: member {data.get('name')!r} has nudges not in {NUDGE_FREQUENCIES}")
    return DemoMember(name=_str(data, "name"), console=_str(data, "console"), locale=locale, role=role,
                      expert=bool(data.get("expert", False)), region=str(region) if region else None,
                      sectors=_strs(data, "sectors"), tags=tuple(t.lower() for t in _strs(data, "tags")),
                      timezone=_str(data, "timezone", "Europe/Paris"), nudges=nudges,
                      listed=bool(data.get("listed", True)))


def load_demo(text: str | None = None) -> Demo:
    """The demo association, from `text` or from the packaged demo.yaml."""
    if text is None:
        text = (resources.files("bot.demo") / "demo.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("community"), dict):
        raise DemoError("demo file: a `community` mapping is required")
    community: dict[str, Any] = raw["community"]
    sectors = tuple(
        DemoSector(slug=_str(s, "slug"), name_fr=_str(s, "name_fr"), name_en=_str(s, "name_en"),
                   description=str(s.get("description") or ""), examples=_strs(s, "examples"),
                   tags=_strs(s, "tags"), channel=str(s["channel"]) if s.get("channel") else None)
        for s in raw.get("sectors") or []
    )
    members = tuple(_member(m) for m in raw.get("members") or [])
    known = {s.slug for s in sectors}
    for member in members:
        if unknown := set(member.sectors) - known:
            raise DemoError(f"demo file: member {member.name!r} names unknown sectors {sorted(unknown)}")
    return Demo(slug=_str(community, "slug"), name=_str(community, "name"), locale=_str(community, "locale", "fr"),
                timezone=_str(community, "timezone", "Europe/Paris"),
                start_as=_str(raw, "start_as", members[0].name if members else "guest"),
                sectors=sectors, members=members)


async def seed(sessions: async_sessionmaker[AsyncSession], demo: Demo, now: datetime) -> SeedReport:
    """Create what is missing of the demo association, in one transaction."""
    sectors_created = members_created = 0
    async with UnitOfWork(sessions) as uow:
        community = await uow.directory.by_slug(demo.slug)
        if community is None:
            community = await uow.directory.create(demo.slug, demo.name, now, locale=demo.locale,
                                                   timezone=demo.timezone)
        workspace = await uow.directory.workspace(CONSOLE_PLATFORM, CONSOLE_WORKSPACE)
        if workspace is None:
            workspace = await uow.directory.add_workspace(community.id, CONSOLE_PLATFORM, CONSOLE_WORKSPACE, now,
                                                          name="Console")
        elif workspace.community_id != community.id:
            raise DemoError("this database's console belongs to another community; use an empty database")

        repo = uow.sectors(community.id)
        sector_ids: dict[str, int] = {}
        for item in demo.sectors:
            sector = await repo.by_slug(item.slug)
            if sector is None:
                sector = await repo.add(item.slug, item.name_fr, item.name_en, item.description,
                                        list(item.examples))
                sector.tags, sector.channel = list(item.tags), item.channel
                sectors_created += 1
            sector_ids[item.slug] = sector.id

        members = uow.members(community.id)
        for person in demo.members:
            account = await members.account(workspace.id, person.console)
            if account is not None:
                continue
            member = await members.create(display_name=person.name, now=now, locale=person.locale,
                                          role=person.role)
            await members.set_fields(member.id, is_expert=person.expert, region=person.region,
                                     timezone=person.timezone, nudge_frequency=person.nudges,
                                     directory_consent_at=now if person.listed else None)
            await members.add_account(member.id, workspace, person.console, now, person.name)
            for slug in person.sectors:
                await repo.add_member(sector_ids[slug], member.id)
            await Profiles(uow.session, community.id).add_tags(member.id, person.tags)
            onboarding = Onboardings(uow.session, community.id)
            await onboarding.start(member.id, "rev", now)
            await onboarding.finish(member.id, now)
            members_created += 1
        return SeedReport(community.id, sectors_created, members_created)
