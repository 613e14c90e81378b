"""The sector taxonomy: facilitators add, rename and retire sectors (members moved, never lost), every change
in the audit log; a YAML file imports a whole taxonomy."""

from __future__ import annotations

from importlib import resources

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.demo import load_demo
from bot.sector_import import SectorFileError, import_sectors, parse_sectors
from bot.store.models import AuditLog, MemberSector, Sector
from bot.testing import BotTester
from tests.unit.onboarding_support import button


@pytest.fixture
async def admin_bot(database_url: str, engine: AsyncEngine, clock: ManualClock) -> BotTester:  # type: ignore[misc]
    async with BotTester.create(database_url, clock=clock, engine=engine,
                                AGORA_FACILITATORS="test:camille") as tester:
        yield tester


async def test_add_rename_retire_with_members_moved_and_audited(admin_bot: BotTester,
                                                                engine: AsyncEngine) -> None:
    bot = admin_bot
    r = await bot.say("filiere", as_="camille")
    assert "Aucune filière" in r[0].text
    r = await bot.say("filiere ajouter bati Bâtiment | Building", as_="camille")
    assert "Filière `bati` ajoutée" in r[0].message.text
    await bot.say("filiere ajouter energie Énergie | Energy", as_="camille")
    await bot.say("filiere add old-food Alimentation", as_="camille")  # one name: both languages
    r = await bot.say("sector rename bati Bâtiment et travaux | Building and construction", as_="camille")
    assert "renommée" in r[0].text

    # Two members in `bati`, one of them already in `energie` too.
    r = await bot.join("zoe", locale="fr")
    r = await bot.click(button(r, "Bâtiment et travaux"), as_="zoe")
    r = await bot.click(button(r, "Énergie"), as_="zoe")
    r = await bot.join("paul", locale="fr")
    r = await bot.say("bâtiment", as_="paul")
    r = await bot.say("filiere retirer bati energie", as_="camille")
    assert "1 membre(s) déplacé(s) vers `energie`" in r[0].message.text
    listing = await bot.say("filiere", as_="camille")
    assert "`bati` : Bâtiment et travaux / Building and construction (retirée)" in listing[0].message.text
    assert "`energie` : Énergie / Energy (2 membres)" in listing[0].message.text

    async with engine.connect() as conn:
        sectors = dict((await conn.execute(select(Sector.slug, Sector.id))).all())
        memberships = sorted((await conn.execute(select(MemberSector.sector_id))).scalars())
        audit = (await conn.execute(select(AuditLog.action, AuditLog.target, AuditLog.details)
                                    .order_by(AuditLog.id))).all()
    assert memberships == [sectors["energie"], sectors["energie"]]  # nobody lost, nobody twice
    assert [(a, t) for a, t, _ in audit] == [("sector.add", "bati"), ("sector.add", "energie"),
                                             ("sector.add", "old-food"), ("sector.rename", "bati"),
                                             ("sector.retire", "bati")]
    assert audit[3][2]["old_fr"] == "Bâtiment" and audit[4][2] == {"into": "energie", "moved": 1}

    r = await bot.join("nina", locale="fr")
    assert "Bâtiment" not in r[0].text  # a retired sector is no longer offered


async def test_mistakes_are_explained_and_members_cannot_touch_sectors(admin_bot: BotTester) -> None:
    bot = admin_bot
    await bot.say("filiere ajouter bati Bâtiment", as_="camille")
    cases = [("filiere ajouter Bâti! Nom", "ne peut pas servir d'identifiant"),
             ("filiere ajouter bati Encore", "existe déjà"),
             ("filiere renommer nope Nom", "pas de filière `nope`"),
             ("filiere retirer bati nope", "pas de filière `nope` où déplacer"),
             ("filiere retirer bati bati", "vers elle-même"),
             ("filiere retirer bati", "Usage"),
             ("filiere frobnicate x y", "Usage")]
    for command, expected in cases:
        r = await bot.say(command, as_="camille")
        assert expected in r[0].message.text, (command, r[0].message.text)
    r = await bot.say("filiere ajouter autre Autre", as_="zoe")
    assert "réservée aux animateurs" in r[0].text


def test_sector_files_are_read_or_refused_clearly() -> None:
    specs = parse_sectors("sectors:\n  - {slug: a, name: A, tags: [X  Y, x y], channel: '#chan'}\n"
                          "  - {id: B, name_fr: Bé, name_en: Bee}\n")
    assert [(s.slug, s.name_fr, s.name_en, s.tags, s.channel) for s in specs] == [
        ("a", "A", "A", ("x y",), "chan"), ("b", "Bé", "Bee", (), None)]
    demo_file = (resources.files("bot.demo") / "demo.yaml").read_text(encoding="utf-8")
    assert [s.slug for s in parse_sectors(demo_file)] == [s.slug for s in load_demo().sectors]
    twice = "- {slug: a, name: A}\n- {slug: a, name: B}"
    for bad in ("", "sectors: 3", "- {name: no slug}", twice, "[: bad"):
        with pytest.raises(SectorFileError):
            parse_sectors(bad)


async def test_an_import_creates_updates_and_never_revives_or_retires(admin_bot: BotTester,
                                                                      engine: AsyncEngine) -> None:
    bot = admin_bot
    sessions, now = bot.app.services.sessions, bot.clock.now()
    both = parse_sectors("[{slug: a, name: A}, {slug: b, name: B}]")
    first = await import_sectors(sessions, "test", both, now)
    assert (first.created, first.updated) == (["a", "b"], [])
    await bot.say("filiere retirer b a", as_="camille")
    again = parse_sectors("[{slug: a, name: AA}, {slug: b, name: B}]")
    second = await import_sectors(sessions, "test", again, now)
    assert (second.created, second.updated, second.retired) == ([], ["a"], ["b"])
    async with engine.connect() as conn:
        rows = dict((await conn.execute(select(Sector.slug, Sector.retired_at))).all())
        names = set((await conn.execute(select(Sector.name_fr))).scalars())
        imports = (await conn.execute(select(AuditLog.details)
                                      .where(AuditLog.action == "sectors.import"))).all()
    assert rows["b"] is not None and rows["a"] is None and "AA" in names and len(imports) == 2
