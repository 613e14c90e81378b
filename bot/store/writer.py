"""The batched write path: an event's effects (its de-duplication key, the replies it queued, the activity
it counts as) are written together, many events per transaction.

Why: one transaction per event caps SQLite near 2,000 events/s; group commits reach tens of thousands (see
docs/performance figures). The writer takes everything queued while the previous batch was being written, so
latency stays one commit when idle and batches grow under load.

Exactly-once: the de-duplication keys are inserted with ON CONFLICT DO NOTHING RETURNING; an event's replies
and activity are written only if its key was new, in the same transaction. Two processes handling the same
delivery therefore leave one set of effects.

Speed: these few statements run for every event, so they are compiled once per dialect to driver SQL
(see `_Statements`) and executed with plain tuples; SQLAlchemy's per-row parameter processing was most of the
cost of an event. `python -m bench pipeline` measures the whole path.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.types import DateTime

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


# --- the hot statements ------------------------------------------------------------------------------------
SQLITE_CHUNK = 400  # rows per multi-row VALUES statement: far below SQLite's limit on bound parameters


def _sqlite_datetime(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite storage format ("2026-01-05 09:00:00.000000", the fields as given), in C."""
    return None if value is None else value.isoformat(" ", "microseconds")[:26]


class _Driver:
    """Runs driver SQL in the caller's transaction, through SQLAlchemy (any database)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def many(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        await self.conn.exec_driver_sql(sql, params)  # type: ignore[arg-type]

    async def rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        return list(await self.conn.exec_driver_sql(sql, params))


class _SqliteDriver(_Driver):
    """Straight to the aiosqlite connection of the same transaction: one hop to its thread per statement,
    where SQLAlchemy's cursor adapter makes three or four."""

    def __init__(self, conn: AsyncConnection, raw: Any) -> None:
        super().__init__(conn)
        self.raw = raw

    async def many(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        await self.raw.executemany(sql, params)

    async def rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        return list(await self.raw.execute_fetchall(sql, params))


async def _driver(conn: AsyncConnection) -> _Driver:
    if conn.dialect.name == "sqlite" and conn.dialect.driver == "aiosqlite":
        raw = (await conn.get_raw_connection()).driver_connection
        if raw is not None:
            return _SqliteDriver(conn, raw)
    return _Driver(conn)


_Plan = tuple[str, tuple[str, ...], tuple[tuple[int, Any], ...]]


class _InsertMany:
    """An INSERT of Effects rows (dicts keyed by column name) as driver SQL, compiled once per set of columns,
    with the bind processing SQLAlchemy would apply, column by column. A set of columns that does not compile
    to exactly its own parameters (a column left to a Python-side default) goes through SQLAlchemy Core."""

    def __init__(self, dialect: Dialect, table: Table, on_conflict: bool) -> None:
        self.dialect = dialect
        self.table = table
        make = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        self.core = make(table).on_conflict_do_nothing() if on_conflict else make(table)
        self._plans: dict[tuple[str, ...], _Plan | None] = {}

    def _plan(self, columns: tuple[str, ...]) -> _Plan | None:
        """The SQL, the columns in its parameter order, and their bind processors; None: use Core."""
        if columns not in self._plans:
            compiled = self.core.values({c: bindparam(c) for c in columns}).inline().compile(dialect=self.dialect)
            order = tuple(compiled.positiontup or ())
            exact = len(order) == len(columns) and set(order) == set(columns)
            processors = tuple((i, p) for i, p in enumerate(_processors(self.dialect, self.table, order)) if p)
            self._plans[columns] = (str(compiled), order, processors) if exact else None
        return self._plans[columns]

    async def run(self, driver: _Driver, rows: list[dict[str, Any]]) -> None:
        keys = rows[0].keys()
        if all(row.keys() == keys for row in rows):
            groups = [rows]
        else:  # rows of different shapes: one statement per shape
            shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows:
                shapes.setdefault(tuple(row), []).append(row)
            groups = list(shapes.values())
        for group in groups:
            columns = tuple(group[0])
            plan = self._plan(columns)
            if plan is None:
                await driver.conn.execute(self.core, group)
                continue
            sql, order, processors = plan
            params = []
            for row in group:
                values = [row[c] for c in order]
                for i, process in processors:
                    values[i] = process(values[i])
                params.append(tuple(values))
            await driver.many(sql, params)


def _processors(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> list[Any]:
    found = []
    for name in columns:
        col_type = table.c[name].type
        if dialect.name == "sqlite" and isinstance(col_type, DateTime):
            found.append(_sqlite_datetime)
        else:
            found.append(col_type.dialect_impl(dialect).bind_processor(dialect))
    return found


class _Statements:
    """The writer's statements for one dialect, compiled once."""

    def __init__(self, dialect: Dialect) -> None:
        self.postgresql = dialect.name == "postgresql"
        self.outbox = _InsertMany(dialect, Outbox.__table__, on_conflict=True)
        self.actions = _InsertMany(dialect, ActionPayload.__table__, on_conflict=True)
        self.activity = _InsertMany(dialect, Activity.__table__, on_conflict=False)
        members = Member.__table__
        touch = update(members).where(members.c.id == bindparam("b_id")).values(last_active_at=bindparam("b_ts"))
        compiled = touch.compile(dialect=dialect)
        if tuple(compiled.positiontup or ()) != ("b_ts", "b_id"):
            raise RuntimeError(f"unexpected parameter order for members: {compiled.positiontup}")
        self.touch_sql = str(compiled)
        self.ts = _processors(dialect, members, ("last_active_at",))[0] or (lambda v: v)
        prep = dialect.identifier_preparer
        table = prep.format_table(ProcessedEvent.__table__)
        key, at = prep.quote("key"), prep.quote("received_at")
        # PostgreSQL: one statement whatever the batch size, the keys travelling as two arrays.
        self.keys_sql = (f"INSERT INTO {table} ({key}, {at}) SELECT * FROM unnest($1::VARCHAR[], "
                         f"$2::TIMESTAMP WITH TIME ZONE[]) ON CONFLICT DO NOTHING RETURNING {key}")
        # SQLite: a multi-row VALUES, built for the batch's size.
        self.keys_head = f"INSERT INTO {table} ({key}, {at}) VALUES "
        self.keys_tail = f" ON CONFLICT DO NOTHING RETURNING {key}"

    async def claim_keys(self, driver: _Driver, keys: dict[str, datetime]) -> set[str]:
        """Insert the de-duplication keys; the ones that were not there before come back."""
        if self.postgresql:
            ordered = sorted(keys)  # one lock order for every writer: concurrent batches cannot deadlock
            rows = await driver.rows(self.keys_sql, (ordered, [keys[k] for k in ordered]))
            return {row[0] for row in rows}
        fresh: set[str] = set()
        items = list(keys.items())
        ts = self.ts
        for start in range(0, len(items), SQLITE_CHUNK):
            chunk = items[start:start + SQLITE_CHUNK]
            sql = self.keys_head + ", ".join(["(?, ?)"] * len(chunk)) + self.keys_tail
            params: list[Any] = []
            for k, at in chunk:
                params.append(k)
                params.append(ts(at))
            fresh.update(row[0] for row in await driver.rows(sql, tuple(params)))
        return fresh

    async def touch_members(self, driver: _Driver, last_seen: dict[int, datetime]) -> None:
        ts = self.ts
        params = [(ts(last_seen[mid]), mid) for mid in sorted(last_seen)]  # sorted: one lock order
        await driver.many(self.touch_sql, params)


@functools.lru_cache(maxsize=32)
def statements(dialect: Dialect) -> _Statements:
    """The compiled statements for one engine's dialect (bind processing may depend on its settings)."""
    return _Statements(dialect)


async def write_effects(conn: AsyncConnection, batch: list[Effects]) -> list[bool]:
    """Write a batch of effects inside the caller's transaction; returns, per item, whether it was applied
    (False: its de-duplication key was already there, so it had been handled before)."""
    sql = statements(conn.dialect)
    driver = await _driver(conn)
    keys: dict[str, datetime] = {}
    for item in batch:
        if item.dedup_key is not None and item.dedup_key not in keys:
            keys[item.dedup_key] = item.received_at
    fresh: set[str] = await sql.claim_keys(driver, keys) if keys else set()

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
    if actions:
        await sql.actions.run(driver, actions)
    if outbox:
        await sql.outbox.run(driver, outbox)
    if activity:
        await sql.activity.run(driver, activity)
    if last_seen:
        # Once per member per batch, not once per event: the column serves the inactivity queries.
        await sql.touch_members(driver, last_seen)
    return applied


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

    async def release(self, conn: AsyncConnection) -> None:
        await conn.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")  # SQLite's default, back to the pool

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
    """Writes queued Effects in group commits; `submit` waits for durability.

    One batch at a time on SQLite (it has one writer anyway). On PostgreSQL a few batches may be in flight
    on their own connections, so the events handled while one batch waits for its commit form the next
    batch instead of waiting behind it; the statements lock rows in one order, so they cannot deadlock.
    """

    def __init__(self, engine: AsyncEngine, max_batch: int = 1000, concurrency: int | None = None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        sqlite_engine = engine.dialect.name == "sqlite"
        self.concurrency = concurrency or (1 if sqlite_engine else 1)
        self._pending: deque[_Waiter] = deque()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._flushing: set[asyncio.Task[None]] = set()
        self._idle: list[AsyncConnection] = []  # kept between batches: no pool check-out, ping or reset
        self._checkpointer = _Checkpointer(engine) if sqlite_engine else None
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
        pending, flushing = self._pending, self._flushing
        while True:
            free = self.concurrency - len(flushing)
            if pending and free > 0:
                # Spread what is waiting over the free connections: their commits overlap.
                size = min(-(-len(pending) // free), self.max_batch)
                batch = [pending.popleft() for _ in range(size)]
                if self.concurrency == 1:
                    await self._flush(batch)
                else:
                    task = asyncio.create_task(self._flush(batch), name="agora-batch-flush")
                    flushing.add(task)
                    task.add_done_callback(self._flushed)
                continue
            if self._stopping and not pending and not flushing:
                break
            self._wake.clear()
            await self._wake.wait()  # a submit, or a batch done (a connection free again)
        for conn in self._idle:
            await self._close(conn)
        self._idle.clear()
        if self._checkpointer is not None:
            await self._checkpointer.close()

    def _flushed(self, task: asyncio.Task[None]) -> None:
        self._flushing.discard(task)
        self._wake.set()

    async def _connection(self) -> AsyncConnection:
        if self._idle:
            return self._idle.pop()
        conn = await self.engine.connect()
        if self._checkpointer is not None:
            await self._checkpointer.prepare(conn)
            await conn.commit()
        return conn

    async def _close(self, conn: AsyncConnection, broken: bool = False) -> None:
        try:
            if broken:
                await conn.invalidate()  # it may be broken: not back to the pool
            elif self._checkpointer is not None:
                await self._checkpointer.release(conn)
                await conn.commit()
            await conn.close()
        except Exception:
            log.warning("closing a writer connection failed", exc_info=True)

    async def _flush(self, pending: list[_Waiter]) -> None:
        batch = [e for e, _ in pending]
        conn: AsyncConnection | None = None
        try:
            conn = await self._connection()
            async with conn.begin():
                applied = await write_effects(conn, batch)
        except Exception as exc:  # the database refused the batch: every waiter learns it
            log.exception("batch write failed", extra={"batch": len(batch)})
            if conn is not None:
                await self._close(conn, broken=True)  # the next batch starts on a fresh connection
            for _, fut in pending:
                if not fut.done():
                    fut.set_exception(exc)
            return
        self._idle.append(conn)
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
