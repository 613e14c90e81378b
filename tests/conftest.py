"""Shared fixtures. The database is the real one: SQLite by default, PostgreSQL when DATABASE_URL says so
(.ci/run runs the whole suite once on each)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.store.db import create_engine
from bot.store.models import Base
from bot.testing import BotTester

PG_URL = os.environ.get("DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgres")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'postgresql' if ON_PG else 'sqlite'}"


PRIVATE_PREFIX = "agora_test_"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    """On PostgreSQL, a database of this run's own on the server DATABASE_URL names, built from the migrations
    and dropped at the end. Why not DATABASE_URL's database itself: anything else connected to it (another
    run, a benchmark, a stray process holding a lock) would make the wipe wait forever; a private database
    cannot be held by anyone else. Private databases of runs whose process is gone are dropped first."""
    if not ON_PG:
        yield None
        return
    import asyncio

    from bench._databases import admin_exec, databases_named, sibling_url
    from bot.store.migrate import upgrade

    for stale in asyncio.run(databases_named(PG_URL, PRIVATE_PREFIX)):
        pid = stale.removeprefix(PRIVATE_PREFIX).split("_")[0]
        if pid.isdigit() and not _alive(int(pid)):
            asyncio.run(admin_exec(PG_URL, f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)'))
    name = f"{PRIVATE_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin_exec(PG_URL, f'CREATE DATABASE "{name}"'))
    try:
        url = sibling_url(PG_URL, name)
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin_exec(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(tmp_path: Path, pg_url: str | None) -> str:
    """A URL to an empty, migrated database for this test."""
    if pg_url is not None:
        return pg_url
    return f"sqlite+aiosqlite:///{tmp_path / 'agora.db'}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url)
    async with eng.begin() as conn:
        if ON_PG:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            # A connection an earlier test leaked must fail this test, not hang the run.
            await conn.execute(text("SET LOCAL lock_timeout = '30s'"))
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
