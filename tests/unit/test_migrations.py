"""The migrations, run for real: from an empty database to head and back, on SQLite or on PostgreSQL when
DATABASE_URL points there. The migrated schema must be the one bot/store/models.py describes.

On PostgreSQL each test gets a database of its own, created and dropped here, so going down to "base" never
touches the schema the rest of the session uses.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, pool, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store.db import normalise_url
from bot.store.migrate import MIGRATIONS_DIR, alembic_config, downgrade, upgrade, upgrade_async
from bot.store.models import Base

PG_URL = os.environ.get("DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgres")
MODEL_TABLES = set(Base.metadata.tables)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

T = TypeVar("T")


async def _run_on(url: str, work: Callable[[Connection], T], *, autocommit: bool = False) -> T:
    engine = create_async_engine(
        normalise_url(url), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT" if autocommit else None
    )
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


def run_on(url: str, work: Callable[[Connection], T], *, autocommit: bool = False) -> T:
    """Run `work` on a synchronous view of a fresh connection, committing at the end."""
    return asyncio.run(_run_on(url, work, autocommit=autocommit))


@dataclass(frozen=True)
class Schema:
    tables: set[str]
    version: str | None
    differences: list[Any]


def read_schema(conn: Connection) -> Schema:
    """The tables present, the Alembic revision stamped, and what autogenerate would still change."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return Schema(
        tables=set(inspect(conn).get_table_names()),
        version=context.get_current_revision(),
        differences=compare_metadata(context, Base.metadata),
    )


def head() -> str:
    found = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert found is not None
    return found


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A URL to a database with no table at all, of the kind under test."""
    if not ON_PG:
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"agora_migrations_{uuid.uuid4().hex[:12]}"
    run_on(PG_URL, lambda conn: conn.execute(text(f'CREATE DATABASE "{name}"')), autocommit=True)
    try:
        yield make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    finally:
        run_on(PG_URL, lambda conn: conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)')), autocommit=True)


def test_upgrade_from_empty_creates_the_schema_of_the_models(empty_url: str) -> None:
    upgrade(empty_url)

    schema = run_on(empty_url, read_schema)
    assert schema.tables == MODEL_TABLES | {"alembic_version"}
    assert schema.version == head()
    assert schema.differences == []


def test_upgrade_twice_is_a_no_op(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)

    schema = run_on(empty_url, read_schema)
    assert schema.version == head()
    assert schema.differences == []


def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(empty_url: str) -> None:
    upgrade(empty_url)
    downgrade(empty_url, "base")

    emptied = run_on(empty_url, read_schema)
    assert emptied.tables & MODEL_TABLES == set()
    assert emptied.version is None

    upgrade(empty_url)
    again = run_on(empty_url, read_schema)
    assert again.tables == MODEL_TABLES | {"alembic_version"}
    assert again.differences == []


def test_every_revision_goes_down_and_up_again(empty_url: str) -> None:
    """The stairway: each migration's downgrade undoes exactly its upgrade, so it can be re-applied."""
    script = ScriptDirectory.from_config(alembic_config(empty_url))
    revisions = list(reversed(list(script.walk_revisions())))
    assert revisions, "no migration found in " + str(MIGRATIONS_DIR)
    for revision in revisions:
        upgrade(empty_url, revision.revision)
        below = revision.down_revision
        downgrade(empty_url, below if isinstance(below, str) else "base")
        upgrade(empty_url, revision.revision)
        assert run_on(empty_url, read_schema).version == revision.revision
    assert run_on(empty_url, read_schema).differences == []


def test_ids_autoincrement_after_upgrade(empty_url: str) -> None:
    """BigId is BIGINT on PostgreSQL and INTEGER on SQLite: on both, the database must number new rows."""
    upgrade(empty_url)
    tables = Base.metadata.tables

    def insert_rows(conn: Connection) -> tuple[list[int], list[int]]:
        community_id = conn.execute(
            insert(tables["communities"])
            .values(slug="cci", name="CCI", default_locale="fr", timezone="Europe/Paris", created_at=NOW)
            .returning(tables["communities"].c.id)
        ).scalar_one()
        for name in ("Ada", "Bob"):
            conn.execute(
                insert(tables["members"]).values(
                    community_id=community_id,
                    display_name=name,
                    role="member",
                    is_expert=False,
                    joined_at=NOW,
                )
            )
        for key in ("k1", "k2"):
            conn.execute(
                insert(tables["outbox"]).values(
                    community_id=community_id,
                    idempotency_key=key,
                    platform="console",
                    workspace_id="local",
                    visibility="channel",
                    text="hello",
                    buttons=[],
                    status="pending",
                    attempts=0,
                    next_attempt_at=NOW,
                    created_at=NOW,
                )
            )
        members = conn.execute(select(tables["members"].c.id).order_by(tables["members"].c.id)).scalars()
        outbox = conn.execute(select(tables["outbox"].c.id).order_by(tables["outbox"].c.id)).scalars()
        return list(members), list(outbox)

    member_ids, outbox_ids = run_on(empty_url, insert_rows)
    assert member_ids == [1, 2]
    assert outbox_ids == [1, 2]


def test_the_comparison_notices_a_schema_that_drifted(empty_url: str) -> None:
    """Guard for the guard: a missing index or column is reported, so an empty diff above means something."""
    upgrade(empty_url)

    def drift(conn: Connection) -> None:
        conn.execute(text("DROP INDEX ix_outbox_due"))
        conn.execute(text("ALTER TABLE audit_log ADD COLUMN stray VARCHAR(10)"))

    run_on(empty_url, drift)
    differences = run_on(empty_url, read_schema).differences
    found = {(diff[0], diff[1].name) for diff in differences if diff[0] == "add_index"}
    found |= {(diff[0], diff[3].name) for diff in differences if diff[0] == "remove_column"}
    assert found == {("add_index", "ix_outbox_due"), ("remove_column", "stray")}


async def test_upgrade_async_works_from_inside_an_event_loop(empty_url: str) -> None:
    await upgrade_async(empty_url)

    schema = await _run_on(empty_url, read_schema)
    assert schema.tables == MODEL_TABLES | {"alembic_version"}
    assert schema.version == head()


async def test_concurrent_upgrades_in_one_process_take_turns(empty_url: str) -> None:
    """Alembic's state is process-wide: two upgrades started together from threads must both complete."""
    await asyncio.wait_for(asyncio.gather(upgrade_async(empty_url), upgrade_async(empty_url)), timeout=60)

    schema = await _run_on(empty_url, read_schema)
    assert schema.version == head()
    assert schema.differences == []


def test_a_percent_sign_in_the_url_survives_the_alembic_config(tmp_path: Path) -> None:
    """Percent-encoded passwords are common in URLs; Alembic's ini parser would read "%" as interpolation."""
    folder = tmp_path / "100%"
    folder.mkdir()
    url = f"sqlite+aiosqlite:///{folder / 'agora.db'}"

    upgrade(url)

    assert (folder / "agora.db").exists()
    assert run_on(url, read_schema).version == head()
