"""The batched write path: an event's effects (its de-duplication key, the replies it queued, the activity
it counts as) are written together, many events per transaction.

Why: one transaction per event caps SQLite near 2,000 events/s; group commits through Core executemany
reach tens of thousands (see docs/performance figures). The writer takes everything queued while the previous
batch was being written, so latency stays one commit when idle and batches grow under load.

Exactly-once: the de-duplication keys are inserted with ON CONFLICT DO NOTHING RETURNING; an event's replies
and activity are written only if its key was new, in the same transaction. Two processes handling the same
delivery therefore leave one set of effects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.models import ActionPayload, Activity, Member, Outbox, ProcessedEvent

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Effects:
    """What one handled event leaves behind."""

    dedup_key: str | None
    received_at: datetime
    outbox: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    activity: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return self.dedup_key is None and not self.outbox and not self.actions and self.activity is None


def _insert(conn: AsyncConnection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


async def write_effects(conn: AsyncConnection, batch: list[Effects]) -> list[bool]:
    """Write a batch of effects inside the caller's transaction; returns, per item, whether it was applied
    (False: its de-duplication key was already there, so it had been handled before)."""
    keys: dict[str, datetime] = {}
    for item in batch:
        if item.dedup_key is not None:
            keys.setdefault(item.dedup_key, item.received_at)
    fresh: set[str] = set()
    if keys:
        stmt = _insert(conn, ProcessedEvent).on_conflict_do_nothing().returning(ProcessedEvent.key)
        rows = [{"key": k, "received_at": ts} for k, ts in keys.items()]
        result = await conn.execute(stmt, rows)
        fresh = {r[0] for r in result}

    applied: list[bool] = []
    claimed: set[str] = set()
    outbox: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    activity: list[dict[str, Any]] = []
    last_seen: dict[int, datetime] = {}
    for item in batch:
        key = item.dedup_key
        ok = key is None or (key in fresh and key not in claimed)
        if key is not None and ok:
            claimed.add(key)
        applied.append(ok)
        if not ok:
            continue
        outbox.extend(item.outbox)
        actions.extend(item.actions)
        if item.activity is not None:
            activity.append(item.activity)
            mid, ts = item.activity["member_id"], item.activity["ts"]
            if mid not in last_seen or last_seen[mid] < ts:
                last_seen[mid] = ts
    if actions:
        await conn.execute(_insert(conn, ActionPayload).on_conflict_do_nothing(), actions)
    if outbox:
        await conn.execute(_insert(conn, Outbox).on_conflict_do_nothing(), outbox)
    if activity:
        await conn.execute(_insert(conn, Activity), activity)
    if last_seen:
        # Once per member per batch, not once per event: the column serves the inactivity queries.
        stmt = (
            update(Member)
            .where(Member.id == bindparam("b_id"))
            .values(last_active_at=bindparam("b_ts"))
            .execution_options(synchronize_session=False)
        )
        await conn.execute(stmt, [{"b_id": k, "b_ts": v} for k, v in last_seen.items()])
    return applied


class BatchWriter:
    """A single task that writes queued Effects in group commits; `submit` waits for durability."""

    def __init__(self, engine: AsyncEngine, max_batch: int = 1000) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Effects, asyncio.Future[bool]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.on_outbox_written: list[Any] = []  # callables poked after a batch wrote outbox rows

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="agora-batch-writer")

    async def stop(self) -> None:
        """Write everything already submitted, then stop."""
        if self._task is None:
            return
        await self._queue.put(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def submit(self, effects: Effects) -> bool:
        """Queue one event's effects and wait until they are committed; False if it was a duplicate."""
        if self._task is None:
            raise RuntimeError("BatchWriter is not started")
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put((effects, fut))
        return await fut

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            pending = [first]
            while len(pending) < self.max_batch and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stopping = True
                    break
                pending.append(nxt)
            await self._flush(pending)

    async def _flush(self, pending: list[tuple[Effects, asyncio.Future[bool]]]) -> None:
        batch = [e for e, _ in pending]
        try:
            async with self.engine.begin() as conn:
                applied = await write_effects(conn, batch)
        except Exception as exc:  # the database refused the batch: every waiter learns it
            log.exception("batch write failed", extra={"batch": len(batch)})
            for _, fut in pending:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for (_, fut), ok in zip(pending, applied, strict=True):
            if not fut.done():
                fut.set_result(ok)
        if any(e.outbox for e in batch):
            for poke in self.on_outbox_written:
                poke()
