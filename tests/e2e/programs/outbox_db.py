"""The database side of the process-level runner and outbox tests: a clean migrated database, seeded outbox
rows, and what became of them. Each helper has an async form (`prepare`, `seed`, `rows`) for tests that run
the bot in their own event loop, and a synchronous one for tests that only drive subprocesses."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from bot.store.db import create_engine
from bot.store.migrate import upgrade_async
from bot.store.models import Base, Community, Outbox


async def prepare(url: str) -> None:
    """Migrated and empty. PostgreSQL is migrated once per session by tests/conftest.py: only emptied here;
    a SQLite file is new for each test: migrated here, as `agora run` would do it."""
    if not url.startswith("postgresql"):
        await upgrade_async(url)
        return
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


async def seed(url: str, community: str, keys: Sequence[str], *, platform: str, channel: str,
               user: str | None = None, due_in: timedelta = timedelta(0)) -> None:
    """The community (as `agora run` will find it) and one outbox row per key, with the text `token KEY end`."""
    now = datetime.now(UTC)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            community_id = (await conn.execute(select(Community.id).where(Community.slug == community))).scalar()
            if community_id is None:
                community_id = (await conn.execute(insert(Community).returning(Community.id), [
                    {"slug": community, "name": community.capitalize(), "default_locale": "en",
                     "timezone": "UTC", "created_at": now}])).scalar_one()
            await conn.execute(insert(Outbox), [{
                "community_id": community_id, "idempotency_key": key, "platform": platform, "workspace_id": platform,
                "channel_id": channel, "user_id": user, "thread_id": None, "member_id": None,
                "visibility": "channel", "text": f"token {key} end", "buttons": [], "status": "pending",
                "attempts": 0, "next_attempt_at": now + due_in, "claimed_until": None, "created_at": now,
            } for key in keys])
    finally:
        await engine.dispose()


async def rows(url: str) -> dict[str, Any]:
    """Every outbox row, by idempotency key, in id order."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {r.idempotency_key: r for r in await conn.execute(select(Outbox).order_by(Outbox.id))}
    finally:
        await engine.dispose()


def prepare_database(url: str) -> None:
    asyncio.run(prepare(url))


def seed_outbox(url: str, community: str, keys: Sequence[str], **options: Any) -> None:
    asyncio.run(seed(url, community, keys, **options))


def outbox_rows(url: str) -> dict[str, Any]:
    return asyncio.run(rows(url))
