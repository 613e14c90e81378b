"""`agora sectors import FILE`: the community's sector taxonomy from a YAML file, written through the
repositories in one transaction and recorded in the audit log.

The file is a list of sectors, or a mapping with a `sectors` list (the demo file's shape works as is):

    - slug: batiment                 # required: lower case letters, digits and dashes
      name_fr: Bâtiment et travaux   # or `name` for both languages
      name_en: Building and construction
      description: ...               # optional
      examples: [questions members ask]
      tags: [plomberie, isolation]   # expertise tags suggested during onboarding
      channel: batiment              # the community's channel for the sector, shown to newcomers
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.taxonomy import ImportReport, SectorSpec, Taxonomy, TaxonomyError
from bot.store.uow import UnitOfWork


class SectorFileError(Exception):
    """The file cannot be read as a list of sectors; the message says where."""


def _strings(item: dict[str, Any], key: str, index: int) -> tuple[str, ...]:
    value = item.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SectorFileError(f"sector #{index}: {key!r} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _text(item: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return ""


def parse_sectors(text: str) -> list[SectorSpec]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise SectorFileError(f"not valid YAML: {err}") from err
    if isinstance(raw, dict):
        raw = raw.get("sectors")
    if not isinstance(raw, list) or not raw:
        raise SectorFileError("expected a non-empty list of sectors (or a mapping with a `sectors` list)")
    specs: list[SectorSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise SectorFileError(f"sector #{index}: expected a mapping")
        slug = _text(item, "slug", "id").lower()
        name_fr = _text(item, "name_fr", "name")
        name_en = _text(item, "name_en", "name")
        if not slug or not name_fr or not name_en:
            raise SectorFileError(f"sector #{index}: `slug` and a name (`name_fr`/`name_en` or `name`) "
                                  "are needed")
        if slug in seen:
            raise SectorFileError(f"sector #{index}: slug {slug!r} appears twice")
        seen.add(slug)
        tags = tuple(dict.fromkeys(" ".join(t.lower().split())[:40] for t in _strings(item, "tags", index)))
        channel = _text(item, "channel").lstrip("#")[:100] or None
        specs.append(SectorSpec(slug=slug, name_fr=name_fr, name_en=name_en,
                                description=_text(item, "description"),
                                examples=_strings(item, "examples", index), tags=tags, channel=channel))
    return specs


async def import_sectors(sessions: async_sessionmaker[AsyncSession], community_slug: str,
                         specs: list[SectorSpec], now: datetime, *,
                         community_name: str | None = None) -> ImportReport:
    """Upsert `specs` into the community (created if missing), all or nothing."""
    async with UnitOfWork(sessions) as uow:
        community = await uow.directory.by_slug(community_slug)
        if community is None:
            community = await uow.directory.create(community_slug, community_name or community_slug, now)
        try:
            report = await Taxonomy(uow.session, community.id).import_all(specs)
        except TaxonomyError as err:
            raise SectorFileError(f"sector {err.slug!r}: {err.reason.replace('_', ' ')}") from err
        await uow.audit(community.id).record(None, "sectors.import", now, target=community_slug,
                                             created=report.created, updated=report.updated,
                                             retired=report.retired)
    return report


async def run_import(database_url: str, community_slug: str, text: str, *,
                     community_name: str | None = None) -> str:
    """The CLI's work on the file's `text`: migrate, import, and return the one-line JSON summary to print."""
    from bot.clock import SystemClock
    from bot.store.db import create_engine, session_factory
    from bot.store.migrate import upgrade_async

    specs = parse_sectors(text)
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        report = await import_sectors(session_factory(engine), community_slug, specs, SystemClock().now(),
                                      community_name=community_name)
    finally:
        await engine.dispose()
    return json.dumps({"community": community_slug, "created": report.created, "updated": report.updated,
                       "retired": report.retired}, ensure_ascii=False)
