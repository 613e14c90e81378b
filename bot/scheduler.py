"""The scheduler: APScheduler's asyncio scheduler, owned by the app (no global), for periodic housekeeping
now and the weekly nudges and help-request timers later. Jobs are re-declared at start-up from code and
settings, so nothing about them lives only in memory."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.events import ConversationRef, Event, ScheduledTick, Sender
from bot.store.models import Community, ConversationState, ProcessedEvent

log = logging.getLogger("agora.scheduler")

PROCESSED_EVENT_RETENTION = timedelta(days=7)  # platforms retry for minutes or hours, never for days

TickSink = Callable[[Event], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Tick:
    """A periodic ScheduledTick sent to every community through the pipeline. Features react to it with
    `router.on(ScheduledTick)` and `event.job`, so the scheduler never needs to know the handlers."""

    job: str
    every: timedelta


HOURLY = Tick("hourly", timedelta(hours=1))  # onboarding reminders, referrals that now count


class Scheduler:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *,
                 sink: TickSink | None = None, ticks: Sequence[Tick] = (HOURLY,)) -> None:
        self.sessions = sessions
        self.clock = clock
        self.sink = sink
        self.ticks = tuple(ticks)
        self._scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        if self._scheduler is not None:
            return
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(self.housekeeping, "interval", minutes=15, id="housekeeping",
                                coalesce=True, max_instances=1, replace_existing=True)
        if self.sink is not None:
            for tick in self.ticks:
                self._scheduler.add_job(self.tick, "interval", args=[tick.job], id=f"tick:{tick.job}",
                                        seconds=tick.every.total_seconds(), coalesce=True, max_instances=1,
                                        replace_existing=True)
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def housekeeping(self) -> None:
        """Expired conversations end; old de-duplication keys go."""
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            await session.execute(delete(ConversationState).where(ConversationState.expires_at <= now))
            await session.execute(delete(ProcessedEvent).where(
                ProcessedEvent.received_at < now - PROCESSED_EVENT_RETENTION))
        log.info("housekeeping done")

    async def tick(self, job: str) -> int:
        """Send ScheduledTick(`job`) to every community, one after the other; returns how many were sent.
        Tests call this directly (with a ManualClock) instead of waiting for the interval."""
        if self.sink is None:
            return 0
        async with self.sessions() as session:
            ids = list((await session.execute(select(Community.id).order_by(Community.id))).scalars())
        for community_id in ids:
            event = ScheduledTick(platform="scheduler", event_id=None, sender=Sender("scheduler"),
                                  ref=ConversationRef("scheduler", "", None, None), ts=self.clock.now(),
                                  job=job, community_id=community_id)
            try:
                await self.sink(event)
            except Exception:  # one community's failure must not starve the others
                log.exception("tick failed", extra={"job": job, "community_id": community_id})
        return len(ids)
