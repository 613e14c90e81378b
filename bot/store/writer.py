"""The batched write path: an event's effects (its de-duplication key, the replies it queued, the activity
it counts as) are written together, many events per transaction.

Why: one transaction per event caps SQLite near 2,000 events/s; group commits reach tens of thousands (see
docs/performance figures). The writer takes everything queued while the previous batch was being written, so
latency stays one commit when idle and batches grow under load.

Exactly-once: the de-duplication keys are inserted with ON CONFLICT DO NOTHING RETURNING; an event's replies
and activity are written only if its key was new, in the same transaction. Two processes handling the same
delivery therefore leave one set of effects. members.last_active_at is updated once per member per batch,
and only ever forward (batches of several processes may commit in any order).

Speed (these statements run for every event; `python -m bench pipeline` measures the whole path):
- they are compiled once per dialect to driver SQL and executed with plain tuples (bot.store.batch_sql);
- the statements of a batch are written once, as a sequence of steps (`_write_steps`), run either awaited
  one by one on any connection, or, for the SQLite batch writer, all in one call on the connection's own
  thread (through aiosqlite's `_execute`, as SQLAlchemy's own adapter uses its internals): one hop there
  and back per batch, commit included, instead of one per statement;
- the writer keeps its connection between batches, and on SQLite checkpoints the WAL in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.batch_sql import Stamps, Statements, Step, statements

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


# --- one batch, as steps -----------------------------------------------------------------------------------
def _write_steps(sql: Statements, batch: list[Effects]) -> Generator[Step, list[Any] | None, list[bool]]:
    """The statements that write `batch`, one step at a time; each step is sent back its rows (for the
    ones that return some). Returns, per item, whether it was applied."""
    keys: dict[str, datetime] = {}
    for item in batch:
        if item.dedup_key is not None and item.dedup_key not in keys:
            keys[item.dedup_key] = item.received_at
    fresh: set[str] = set()
    stamps = Stamps()
    for step in sql.claim_keys(keys, stamps) if keys else ():
        rows = yield step
        fresh.update(row[0] for row in rows or ())

    applied: list[bool] = []
    outbox: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    activity: list[dict[str, Any]] = []
    last_seen: dict[int, datetime] = {}
    for item in batch:
        key = item.dedup_key
        if key is None:
            ok = True
        elif key in fresh:
            fresh.discard(key)  # claimed by this item: a second copy in the same batch is a duplicate
            ok = True
        else:
            ok = False
        applied.append(ok)
        if not ok:
            continue
        if item.outbox:
            outbox.extend(item.outbox)
        if item.actions:
            actions.extend(item.actions)
        act = item.activity
        if act is not None:
            activity.append(act)
            mid, ts = act["member_id"], act["ts"]
            seen = last_seen.get(mid)
            if seen is None or seen < ts:
                last_seen[mid] = ts
    for rows, insert in ((actions, sql.actions), (outbox, sql.outbox), (activity, sql.activity)):
        if rows:
            for step in insert.steps(rows, stamps):
                yield step
    if last_seen:
        # Once per member per batch, not once per event: the column serves the inactivity queries.
        yield sql.touch_members(last_seen, stamps)
    return applied


async def write_effects(conn: AsyncConnection, batch: list[Effects]) -> list[bool]:
    """Write a batch of effects inside the caller's transaction; returns, per item, whether it was applied
    (False: its de-duplication key was already there, so it had been handled before)."""
    steps = _write_steps(statements(conn.dialect), batch)
    raw = await _aiosqlite(conn)
    result: list[Any] | None = None
    try:
        while True:
            returns, sql, params = steps.send(result)
            if raw is not None:  # straight to the driver: one hop to its thread per statement, not three
                if returns:
                    result = list(await raw.execute_fetchall(sql, params))
                else:
                    await raw.executemany(sql, params)
                    result = None
            elif returns:
                result = list(await conn.exec_driver_sql(sql, params))
            else:
                await conn.exec_driver_sql(sql, params)
                result = None
    except StopIteration as done:
        return cast(list[bool], done.value)


def _write_in_thread(conn: Any, sql: Statements, batch: list[Effects]) -> list[bool]:
    """The whole batch as one transaction, run on the sqlite3 connection's own thread."""
    steps = _write_steps(sql, batch)
    if not conn.in_transaction:
        conn.execute("BEGIN IMMEDIATE")
    result: list[Any] | None = None
    try:
        while True:
            returns, stmt, params = steps.send(result)
            if returns:
                result = conn.execute(stmt, params).fetchall()
            else:
                conn.executemany(stmt, params)
                result = None
    except StopIteration as done:
        conn.commit()
        return cast(list[bool], done.value)
    except BaseException:
        conn.rollback()
        raise


async def _aiosqlite(conn: AsyncConnection) -> Any:
    """The aiosqlite connection under `conn`, if that is the driver."""
    if conn.dialect.name != "sqlite" or conn.dialect.driver != "aiosqlite":
        return None
    return (await conn.get_raw_connection()).driver_connection


# --- the batch writer --------------------------------------------------------------------------------------
class _Checkpointer:
    """SQLite: WAL checkpoints in the background, off the write path.

    A commit that crosses SQLite's auto-checkpoint threshold copies the WAL into the database and syncs it
    before returning: a few milliseconds added to one batch in twenty, and to every event waiting on it.
    The writer's own connection therefore does not auto-checkpoint; after every `every` events written, a
    PASSIVE checkpoint runs on another connection (its thread, not the event loop's), while the writer goes
    on appending to the WAL. Other connections keep SQLite's default.
    """

    def __init__(self, engine: AsyncEngine, every: int = 1000) -> None:
        self.engine = engine
        self.every = every
        self._since = 0
        self._task: asyncio.Task[None] | None = None

    async def prepare(self, conn: AsyncConnection) -> None:
        await conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        await conn.commit()

    async def release(self, conn: AsyncConnection) -> None:
        await conn.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")  # SQLite's default, back to the pool
        await conn.commit()

    def written(self, events: int) -> None:
        self._since += events
        if self._since >= self.every and (self._task is None or self._task.done()):
            self._since = 0
            self._task = asyncio.create_task(self._checkpoint(), name="agora-wal-checkpoint")

    async def _checkpoint(self) -> None:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:
            log.warning("WAL checkpoint failed", exc_info=True)

    async def close(self) -> None:
        if self._task is not None:
            await self._task
            self._task = None
        if self._since:
            self._since = 0
            await self._checkpoint()


_Waiter = tuple[Effects, "asyncio.Future[bool]"]


class BatchWriter:
    """A single task that writes queued Effects in group commits; `submit` waits for durability.

    It keeps one connection between batches (no pool check-out, ping or reset for each), and takes
    everything queued while the previous batch was being written (up to `max_batch`).
    """

    def __init__(self, engine: AsyncEngine, max_batch: int = 1000) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._pending: deque[_Waiter] = deque()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._conn: AsyncConnection | None = None
        self._in_thread: Any = None  # SQLite: (aiosqlite's call-on-its-thread, the sqlite3 connection)
        self._checkpointer = _Checkpointer(engine) if engine.dialect.name == "sqlite" else None
        self.on_outbox_written: list[Any] = []  # callables poked after a batch wrote outbox rows
        self.stats = {"batches": 0, "events": 0, "largest_batch": 0}

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="agora-batch-writer")

    async def stop(self) -> None:
        """Write everything already submitted, then stop."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def submit(self, effects: Effects) -> bool:
        """Queue one event's effects and wait until they are committed; False if it was a duplicate."""
        if self._task is None or self._stopping:
            raise RuntimeError("BatchWriter is not started")
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((effects, fut))
        self._wake.set()
        return await fut

    async def _run(self) -> None:
        pending = self._pending
        try:
            while pending or not self._stopping:
                if not pending:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                await self._flush([pending.popleft() for _ in range(min(len(pending), self.max_batch))])
        finally:
            await self._close()
            if self._checkpointer is not None:
                await self._checkpointer.close()

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            conn = await self.engine.connect()
            if self._checkpointer is not None:
                await self._checkpointer.prepare(conn)
            raw = await _aiosqlite(conn)
            call = getattr(raw, "_execute", None)  # aiosqlite's own way to run a function on its thread
            sqlite3_conn = getattr(raw, "_conn", None)
            self._in_thread = (call, sqlite3_conn) if call is not None and sqlite3_conn is not None else None
            self._conn = conn
        return self._conn

    async def _close(self, broken: bool = False) -> None:
        conn, self._conn, self._in_thread = self._conn, None, None
        if conn is None:
            return
        try:
            if broken:
                await conn.invalidate()  # it may be broken: not back to the pool
            elif self._checkpointer is not None:
                await self._checkpointer.release(conn)
            await conn.close()
        except Exception:
            log.warning("closing the writer's connection failed", exc_info=True)

    async def _write(self, batch: list[Effects]) -> list[bool]:
        conn = await self._connection()
        if self._in_thread is not None:
            # One hop for the whole transaction. SQLAlchemy has not begun one on this connection (nothing
            # else runs on it), so the sqlite3 connection's BEGIN / COMMIT are the transaction.
            call, sqlite3_conn = self._in_thread
            return cast(list[bool], await call(_write_in_thread, sqlite3_conn, statements(conn.dialect), batch))
        async with conn.begin():
            return await write_effects(conn, batch)

    async def _flush(self, pending: list[_Waiter]) -> None:
        batch = [e for e, _ in pending]
        try:
            applied = await self._write(batch)
        except Exception as exc:  # the database refused the batch: every waiter learns it
            log.exception("batch write failed", extra={"batch": len(batch)})
            await self._close(broken=True)  # the next batch starts on a fresh connection
            for _, fut in pending:
                if not fut.done():
                    fut.set_exception(exc)
            return
        if self._checkpointer is not None:
            self._checkpointer.written(len(batch))
        stats = self.stats
        stats["batches"] += 1
        stats["events"] += len(batch)
        if len(batch) > stats["largest_batch"]:
            stats["largest_batch"] = len(batch)
        wrote_outbox = False
        for (effects, fut), ok in zip(pending, applied, strict=True):
            if ok and effects.outbox:
                wrote_outbox = True
            if not fut.done():
                fut.set_result(ok)
        if wrote_outbox:
            for poke in self.on_outbox_written:
                poke()
