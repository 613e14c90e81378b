"""Shared fixtures. The database is the real one: SQLite by default, PostgreSQL when DATABASE_URL says so
(.ci/run runs the whole suite once on each)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.store.db import create_engine, normalise_url
from bot.store.models import Base
from bot.testing import BotTester

PG_URL = os.environ.get("DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgres")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'postgresql' if ON_PG else 'sqlite'}"


@pytest.fixture(scope="session")
def pg_schema_ready() -> bool:
    """On PostgreSQL, build the schema once per session from the migrations, on an empty schema: whatever an
    earlier run (of another branch, or killed half-way) left there is dropped first."""
    if not ON_PG:
        return False
    import asyncio

    from bot.store.migrate import upgrade

    async def wipe() -> None:
        eng = create_engine(normalise_url(PG_URL))
        async with eng.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await eng.dispose()

    asyncio.run(wipe())
    upgrade(PG_URL)
    return True


@pytest.fixture
def database_url(tmp_path: Path, pg_schema_ready: bool) -> str:
    """A URL to an empty, migrated database for this test."""
    if ON_PG:
        return normalise_url(PG_URL)
    return f"sqlite+aiosqlite:///{tmp_path / 'agora.db'}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url)
    async with eng.begin() as conn:
        if ON_PG:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            await conn.run_sync(Base.metadata.create_all)
    yield eng
    await eng.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def bot(database_url: str, engine: AsyncEngine, clock: ManualClock) -> AsyncIterator[BotTester]:
    async with BotTester.create(database_url, clock=clock, engine=engine) as tester:
        yield tester
