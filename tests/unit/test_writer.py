"""The batched write path on the real store: exactly-once per key, rows as SQLAlchemy would write them, the
members' last activity, and a writer that survives a refused batch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.batch_sql import SQLITE_CHUNK
from bot.store.models import Activity, Community, Member, Outbox, ProcessedEvent
from bot.store.writer import BatchWriter, Effects, write_effects

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def _member(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.begin() as conn:
        cid = (await conn.execute(insert(Community).returning(Community.id), [{
            "slug": "w", "name": "W", "default_locale": "fr", "timezone": "Europe/Paris", "created_at": T0,
        }])).scalar_one()
        mid = (await conn.execute(insert(Member).returning(Member.id), [{
            "community_id": cid, "display_name": "Ann", "role": "member", "is_expert": False, "joined_at": T0,
        }])).scalar_one()
    return cid, mid


def _effects(key: str | None, cid: int, mid: int, at: datetime, **outbox: Any) -> Effects:
    row = {
        "community_id": cid, "idempotency_key": f"{key or 'local'}:0", "platform": "test", "workspace_id": "T1",
        "channel_id": "D1", "user_id": "u1", "thread_id": None, "member_id": mid, "visibility": "dm",
        "text": "héllo *you*", "buttons": [{"label": "Yes", "action_id": "a|1", "style": "primary"}],
        "status": "pending", "attempts": 0, "next_attempt_at": at, "created_at": at, "in_reply_to": None,
    }
    row.update(outbox)
    activity = {"community_id": cid, "member_id": mid, "kind": "message", "platform": "test", "ts": at}
    return Effects(dedup_key=key, received_at=at, outbox=[row], activity=activity)


async def _count(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def _write(engine: AsyncEngine, batch: list[Effects]) -> list[bool]:
    async with engine.begin() as conn:
        return await write_effects(conn, batch)


async def test_a_key_is_applied_once_within_and_across_batches(engine: AsyncEngine) -> None:
    cid, mid = await _member(engine)
    first = await _write(engine, [_effects("k1", cid, mid, T0), _effects("k1", cid, mid, T0),
                                  _effects("k2", cid, mid, T0)])
    assert first == [True, False, True]
    again = await _write(engine, [_effects("k2", cid, mid, T0), _effects("k3", cid, mid, T0)])
    assert again == [False, True]
    assert await _count(engine, ProcessedEvent) == 3
    assert await _count(engine, Outbox) == 3
    assert await _count(engine, Activity) == 3


async def test_events_without_a_key_are_always_applied(engine: AsyncEngine) -> None:
    cid, mid = await _member(engine)
    assert await _write(engine, [_effects(None, cid, mid, T0, idempotency_key="tick:1:0")]) == [True]
    assert await _count(engine, ProcessedEvent) == 0
    assert await _count(engine, Outbox) == 1


async def test_a_batch_larger_than_one_statement_of_keys(engine: AsyncEngine) -> None:
    cid, mid = await _member(engine)
    n = SQLITE_CHUNK + 37
    batch = [_effects(f"big{i}", cid, mid, T0 + timedelta(seconds=i)) for i in range(n)]
    batch.append(_effects("big3", cid, mid, T0))  # a copy of an early one, in a later chunk
    applied = await _write(engine, batch)
    assert applied == [True] * n + [False]
    assert await _count(engine, Outbox) == n


async def test_rows_read_back_as_written(engine: AsyncEngine) -> None:
    cid, mid = await _member(engine)
    at = T0 + timedelta(microseconds=123456)
    await _write(engine, [_effects("rb", cid, mid, at)])
    async with engine.connect() as conn:
        row = (await conn.execute(select(Outbox))).one()
        ts = (await conn.execute(select(Activity.ts))).scalar_one()
        # Compared with a query that SQLAlchemy binds itself: the stored format is the one it uses.
        due = (await conn.execute(select(func.count()).select_from(Outbox).where(Outbox.next_attempt_at <= at,
                                                                             Outbox.next_attempt_at >= at)))
    assert row.text == "héllo *you*"
    assert row.buttons == [{"label": "Yes", "action_id": "a|1", "style": "primary"}]
    assert row.next_attempt_at.replace(tzinfo=UTC) == at and ts.replace(tzinfo=UTC) == at
    assert due.scalar_one() == 1


async def test_rows_of_another_shape_and_python_defaults(engine: AsyncEngine) -> None:
    cid, mid = await _member(engine)
    odd = _effects("odd", cid, mid, T0)
    for column in ("status", "attempts", "buttons", "in_reply_to"):  # left to the model's defaults
        del odd.outbox[0][column]
    await _write(engine, [_effects("usual", cid, mid, T0, in_reply_to="Ev9"), odd])
    async with engine.connect() as conn:
        rows = {r.idempotency_key: r for r in (await conn.execute(select(Outbox)))}
    assert rows["odd:0"].status == "pending" and rows["odd:0"].attempts == 0 and rows["odd:0"].buttons == []
    assert rows["odd:0"].in_reply_to is None and rows["usual:0"].in_reply_to == "Ev9"


async def test_last_active_at_is_the_latest_and_never_moves_back(engine: AsyncEngine) -> None:
    cid, mid = await _member(engine)
    late, early = T0 + timedelta(hours=2), T0 + timedelta(hours=1)
    await _write(engine, [_effects("a", cid, mid, early), _effects("b", cid, mid, late)])
    await _write(engine, [_effects("c", cid, mid, T0)])  # an older event, delivered late
    async with engine.connect() as conn:
        seen = (await conn.execute(select(Member.last_active_at).where(Member.id == mid))).scalar_one()
    assert seen is not None and seen.replace(tzinfo=UTC) == late


async def test_batch_writer_commits_concurrent_submissions(engine: AsyncEngine) -> None:
    cid, mid = await _member(engine)
    writer = BatchWriter(engine)
    writer.start()
    try:
        results = await asyncio.gather(*(writer.submit(_effects(f"c{i % 150}", cid, mid, T0)) for i in range(300)))
    finally:
        await writer.stop()
    assert results.count(True) == 150
    assert await _count(engine, Outbox) == 150
    async with engine.connect() as conn:  # the writer's own path stores what SQLAlchemy's queries compare
        due = await conn.execute(select(func.count()).select_from(Outbox).where(Outbox.next_attempt_at == T0))
        assert due.scalar_one() == 150
    assert writer.stats["events"] == 300 and writer.stats["batches"] < 300  # grouped, not one by one
    with pytest.raises(RuntimeError):
        await writer.submit(_effects("late", cid, mid, T0))


async def test_batch_writer_survives_a_refused_batch(engine: AsyncEngine) -> None:
    cid, mid = await _member(engine)
    writer = BatchWriter(engine)
    writer.start()
    try:
        with pytest.raises(Exception, match=r"(?i)null"):
            await writer.submit(_effects("bad", cid, mid, T0, text=None))  # outbox.text is NOT NULL
        assert await writer.submit(_effects("good", cid, mid, T0)) is True
        assert await writer.submit(_effects("bad", cid, mid, T0)) is True  # the refused one left nothing
    finally:
        await writer.stop()
    assert await _count(engine, Outbox) == 2
    assert await _count(engine, ProcessedEvent) == 2
