"""`agora demo`: a seeded French and English association to chat with, in any empty folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console import adapter as console
from adapters.console import user_id_for
from bot.clock import ManualClock
from bot.config import Settings
from bot.console_session import DEMO_DATABASE, demo_settings
from bot.demo import DemoError, load_demo, seed
from bot.demo.seed import CONSOLE_PLATFORM, CONSOLE_WORKSPACE
from bot.store.db import session_factory
from bot.store.models import Member, MemberSector, PlatformAccount, Sector
from bot.store.uow import UnitOfWork
from tests.e2e.agora_cli import agora

FRENCH_HELP = "Voici ce que je peux faire"
ENGLISH_HELP = "Here is what I can do"


def test_demo_speaks_french_then_english_and_seeds_once(tmp_path: Path) -> None:
    result = agora("demo", cwd=tmp_path, stdin=b"aide\n/as Oliver\nhelp\n")
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    french, english = out.find(FRENCH_HELP), out.find(ENGLISH_HELP)
    assert 0 <= french < out.find("Oliver") < english, out
    assert "Traceback" not in err

    again = agora("demo", cwd=tmp_path, stdin=b"langue en\naide\n")
    out = again.stdout.decode()
    assert again.returncode == 0, again.stderr.decode()
    assert out.find("in English") < out.find(ENGLISH_HELP) and out.find(FRENCH_HELP) == -1, out

    with sqlite3.connect(tmp_path / DEMO_DATABASE) as db:
        assert db.execute("select count(*) from members").fetchone() == (len(load_demo().members),)
        assert db.execute("select count(*) from sectors").fetchone() == (len(load_demo().sectors),)
        assert db.execute("select name from communities").fetchall() == [(load_demo().name,)]
        # The demo opens as its facilitator, who switched to English in the second run; nobody else moved.
        rows = dict(db.execute("select display_name, locale from members").fetchall())
    assert rows["Camille"] == "en" and rows["Oliver"] == "en" and rows["Awa"] == "fr"


def test_demo_can_open_as_any_member(tmp_path: Path) -> None:
    result = agora("demo", "--as", "priya", cwd=tmp_path, stdin=b"/who\naide\n")
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "Vous êtes priya." in out and ENGLISH_HELP in out  # the seeded Priya, who speaks English


def test_the_demo_file_describes_a_bilingual_association() -> None:
    demo = load_demo()
    assert 4 <= len(demo.sectors) <= 5 and 8 <= len(demo.members)
    assert {m.locale for m in demo.members} == {"fr", "en"}
    assert any(m.role == "facilitator" for m in demo.members) and any(m.expert for m in demo.members)
    assert all(s.name_fr and s.name_en and s.description and s.examples for s in demo.sectors)
    assert demo.start_as in {m.name for m in demo.members}


def test_seeded_accounts_are_the_ones_the_console_acts_as() -> None:
    assert (CONSOLE_PLATFORM, CONSOLE_WORKSPACE) == (console.PLATFORM, console.WORKSPACE)
    for member in load_demo().members:
        assert user_id_for(member.name) == member.console


def test_a_malformed_demo_file_is_refused() -> None:
    with pytest.raises(DemoError):
        load_demo("community: {slug: x, name: y}\nsectors: []\nmembers:\n  - {name: A, console: a, sectors: [z]}\n")
    with pytest.raises(DemoError):
        load_demo("members: []\n")


def test_demo_uses_database_url_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DATABASE_URL", raising=False)
    demo = load_demo()
    chosen = demo_settings(Settings(), demo, tmp_path)
    assert chosen.database_url == f"sqlite+aiosqlite:///{tmp_path / DEMO_DATABASE}"
    assert chosen.community_slug == demo.slug and chosen.community_name == demo.name
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:////elsewhere/x.db")
    assert demo_settings(Settings(), demo, tmp_path).database_url == "sqlite+aiosqlite:////elsewhere/x.db"


async def test_seeding_twice_creates_nothing_twice(engine: AsyncEngine, clock: ManualClock) -> None:
    sessions = session_factory(engine)
    demo = load_demo()
    first = await seed(sessions, demo, clock.now())
    second = await seed(sessions, demo, clock.now())
    assert (first.sectors_created, first.members_created) == (len(demo.sectors), len(demo.members))
    assert (second.sectors_created, second.members_created) == (0, 0)
    async with sessions() as session:
        members = (await session.execute(select(func.count()).select_from(Member))).scalar_one()
        links = (await session.execute(select(func.count()).select_from(MemberSector))).scalar_one()
        oliver = (await session.execute(
            select(Member).join(PlatformAccount, PlatformAccount.member_id == Member.id)
            .where(PlatformAccount.platform == "console", PlatformAccount.external_user_id == "oliver"))).scalar_one()
        sectors = (await session.execute(select(Sector.slug).order_by(Sector.id))).scalars().all()
    assert members == len(demo.members)
    assert links == sum(len(m.sectors) for m in demo.members)
    assert (oliver.locale, oliver.is_expert, oliver.display_name) == ("en", True, "Oliver")
    assert list(sectors) == [s.slug for s in demo.sectors]


async def test_seeding_refuses_a_console_of_another_community(engine: AsyncEngine, clock: ManualClock) -> None:
    sessions = session_factory(engine)
    async with UnitOfWork(sessions) as uow:
        other = await uow.directory.create("other", "Other", clock.now())
        await uow.directory.add_workspace(other.id, "console", "console", clock.now())
    with pytest.raises(DemoError):
        await seed(sessions, load_demo(), clock.now())
