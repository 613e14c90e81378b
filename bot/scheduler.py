"""The scheduler: APScheduler's asyncio scheduler, owned by the app (no global), for periodic housekeeping
now and the weekly nudges and help-request timers later. Jobs are re-declared at start-up from code and
settings, so nothing about them lives only in memory."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.store.models import ConversationState, ProcessedEvent

log = logging.getLogger("agora.scheduler")

PROCESSED_EVENT_RETENTION = timedelta(days=7)  # platforms retry for minutes or hours, never for days


class Scheduler:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock
        self._scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        if self._scheduler is not None:
            return
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(self.housekeeping, "interval", minutes=15, id="housekeeping",
                                coalesce=True, max_instances=1, replace_existing=True)
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
