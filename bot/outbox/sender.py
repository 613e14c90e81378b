"""The sender: delivers persisted outbox rows through the adapters, paced per platform.

- Rows are claimed with a lease (status `sending`, `claimed_until`), with FOR UPDATE SKIP LOCKED on
  PostgreSQL, so several processes share the queue and a crashed process's rows come back after the lease.
- Each row is marked sent right after the platform accepted it: a crash can at worst repeat the one message
  in flight (platforms offer no general idempotency), never a batch.
- 429: the row waits for Retry-After and the whole platform pauses. 5xx and network errors: exponential
  backoff, then `failed` after max attempts. A closed DM: `failed` at once, the account is marked unreachable
  (no later DM is attempted) and, where the workspace has a fallback channel, a short notice mentions them there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.outbox.pacing import Pacer
from bot.outbox.render import to_message
from bot.ports import Adapter, PermanentFailure, RetryLater, SendError
from bot.store.models import Outbox, PlatformAccount

log = logging.getLogger("agora.outbox")

UnreachableHook = Callable[[Any], Any]  # called with the failed row; may enqueue a fallback (async)


@dataclass
class SenderOptions:
    batch: int = 100
    max_attempts: int = 8
    lease_seconds: float = 60.0
    poll_seconds: float = 0.5
    base_backoff: float = 2.0
    max_backoff: float = 900.0
    concurrency: int = 8


class OutboxSender:
    def __init__(self, engine: AsyncEngine, adapters: dict[str, Adapter], clock: Clock,
                 options: SenderOptions | None = None, on_unreachable: UnreachableHook | None = None) -> None:
        self.engine = engine
        self.adapters = adapters
        self.clock = clock
        self.options = options or SenderOptions()
        self.on_unreachable = on_unreachable
        self.pacers = {
            name: Pacer(a.capabilities.rate_per_second, a.capabilities.per_channel_interval)
            for name, a in adapters.items()
        }
        self._wake = asyncio.Event()
        self._inflight: dict[str, int] = dict.fromkeys(adapters, 0)
        self._settled = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- lifecycle ---------------------------------------------------------------------------------------
    def poke(self) -> None:
        """New rows were written: look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._loop(), name="agora-outbox-sender")

    async def stop(self) -> None:
        """Finish the sends in flight; rows not started stay pending for the next start."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("outbox pass failed")
                sent = 0
            if sent == 0 and not self._stopping:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.options.poll_seconds)

    async def drain(self, platform: str | None = None, timeout: float = 10.0) -> None:
        """Deliver every row that is due now (used by the console and tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        names = [platform] if platform else list(self.adapters)
        while loop.time() < deadline:
            if await self.run_once(platform) > 0:
                continue
            if not any(self._inflight.get(name, 0) for name in names):
                return
            # Another pass (the background loop) holds rows of this platform: wait for it to settle.
            async with self._settled:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._settled.wait(), max(0.0, deadline - loop.time()))

    # --- one pass ----------------------------------------------------------------------------------------
    async def run_once(self, platform: str | None = None) -> int:
        """Claim and deliver the due rows of each platform once; returns how many rows were attempted."""
        names = [platform] if platform else list(self.adapters)
        counts = await asyncio.gather(*(self._platform_pass(name) for name in names if name in self.adapters))
        return sum(counts)

    async def _platform_pass(self, platform: str) -> int:
        pacer = self.pacers[platform]
        if pacer.paused_for() > 0 or self._stopping:
            return 0
        self._inflight[platform] += 1
        try:
            return await self._platform_pass_claimed(platform, pacer)
        finally:
            self._inflight[platform] -= 1
            async with self._settled:
                self._settled.notify_all()

    async def _platform_pass_claimed(self, platform: str, pacer: Pacer) -> int:
        rows = await self._claim(platform)
        if not rows:
            return 0
        by_channel: dict[str, list[Any]] = {}
        for row in rows:
            by_channel.setdefault(f"{row.workspace_id}/{row.channel_id or row.user_id}", []).append(row)
        limit = asyncio.Semaphore(self.options.concurrency)

        async def deliver_channel(items: list[Any]) -> None:
            async with limit:
                for index, row in enumerate(items):
                    if pacer.paused_for() > 0 or self._stopping:
                        await self._release(items[index:])
                        return
                    await self._deliver(platform, row, pacer)

        await asyncio.gather(*(deliver_channel(items) for items in by_channel.values()))
        return len(rows)

    async def _claim(self, platform: str) -> list[Any]:
        now = self.clock.now()
        due = or_(
            and_(Outbox.status == "pending", Outbox.next_attempt_at <= now),
            and_(Outbox.status == "sending", Outbox.claimed_until < now),
        )
        ids = (
            select(Outbox.id)
            .where(Outbox.platform == platform, due)
            .order_by(Outbox.id)
            .limit(self.options.batch)
            .with_for_update(skip_locked=True)
        )
        # One statement: the sub-select locks with SKIP LOCKED on PostgreSQL; SQLite renders no FOR UPDATE,
        # its single writer lock already serialises claims.
        claim = (
            update(Outbox)
            .where(Outbox.id.in_(ids.scalar_subquery()))
            .values(status="sending", claimed_until=now + timedelta(seconds=self.options.lease_seconds))
            .returning(*Outbox.__table__.c)
        )
        async with self.engine.begin() as conn:
            rows = sorted(await conn.execute(claim), key=lambda r: r.id)
        return rows

    async def _release(self, rows: list[Any]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(Outbox).where(Outbox.id.in_([r.id for r in rows]), Outbox.status == "sending")
                               .values(status="pending", claimed_until=None))

    async def _deliver(self, platform: str, row: Any, pacer: Pacer) -> None:
        adapter = self.adapters[platform]
        if row.visibility == "dm" and row.user_id and await self._unreachable(platform, row.user_id):
            await self._finish(row.id, status="failed", last_error="unreachable")
            return
        await pacer.wait(f"{row.workspace_id}/{row.channel_id or row.user_id}")
        message = to_message(row, adapter.capabilities)
        try:
            result = await adapter.send(message)
        except RetryLater as err:
            pacer.pause(err.retry_after)
            log.warning("rate limited", extra={"platform": platform, "outbox_id": row.id,
                                               "retry_after": err.retry_after})
            await self._finish(row.id, status="pending", next_attempt_at=self._later(err.retry_after),
                               last_error="429")
        except PermanentFailure as err:
            log.warning("permanent send failure", extra={"platform": platform, "outbox_id": row.id,
                                                         "reason": str(err), "unreachable": err.unreachable})
            await self._finish(row.id, status="failed", last_error=str(err)[:200])
            if err.unreachable:
                await self._mark_unreachable(row)
        except (SendError, Exception) as err:
            attempts = row.attempts + 1
            failed = attempts >= self.options.max_attempts
            log.warning("send failed", extra={"platform": platform, "outbox_id": row.id, "attempts": attempts,
                                              "error": type(err).__name__, "final": failed})
            await self._finish(row.id, status="failed" if failed else "pending", attempts=attempts,
                               next_attempt_at=self._later(self._backoff(attempts)),
                               last_error=type(err).__name__)
        else:
            await self._finish(row.id, status="sent", sent_at=self.clock.now(), external_id=result.external_id,
                               attempts=row.attempts + 1)

    def _backoff(self, attempts: int) -> float:
        base = min(self.options.max_backoff, self.options.base_backoff * 2.0 ** (attempts - 1))
        return base * random.uniform(0.8, 1.2)

    def _later(self, seconds: float) -> datetime:
        return self.clock.now() + timedelta(seconds=seconds)

    async def _finish(self, row_id: int, **values: Any) -> None:
        values.setdefault("claimed_until", None)
        async with self.engine.begin() as conn:
            await conn.execute(update(Outbox).where(Outbox.id == row_id).values(**values))

    async def _unreachable(self, platform: str, user_id: str) -> bool:
        async with self.engine.connect() as conn:
            found = await conn.execute(
                select(PlatformAccount.id).where(PlatformAccount.platform == platform,
                                                 PlatformAccount.external_user_id == user_id,
                                                 PlatformAccount.unreachable_at.is_not(None)).limit(1)
            )
            return found.first() is not None

    async def _mark_unreachable(self, row: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(PlatformAccount)
                .where(PlatformAccount.community_id == row.community_id, PlatformAccount.platform == row.platform,
                       PlatformAccount.external_user_id == row.user_id)
                .values(unreachable_at=self.clock.now())
            )
        if self.on_unreachable is not None:
            outcome = self.on_unreachable(row)
            if asyncio.iscoroutine(outcome):
                await outcome
            self.poke()
