"""The scheduler: APScheduler's asyncio scheduler, owned by the app (no global), for periodic housekeeping, the
ticks features react to (hourly reminders, timers) and the weekly jobs (the nudges).

Once, with several `agora run` processes on one database:
- a tick is claimed per (job, community, time slot) in `job_leases` with a conditional INSERT before it is
  sent (ON CONFLICT DO NOTHING RETURNING: one process gets the row), so each slot's tick runs once;
- a weekly job lives in APScheduler's persistent job store (`apscheduler_jobs`, SQLAlchemyJobStore), with a
  CronTrigger at the community's day and time in its time zone, `coalesce=True` and a misfire grace of six
  days: a run missed while every process was down is caught up once at the next start, never twice. Each
  process fires it; the job itself claims its (community, period) run in the database (bot.nudges.campaign),
  so exactly one of them works.

The store is APScheduler 3's own, and synchronous: it gets a small synchronous engine on the same database
(sqlite3, or psycopg on PostgreSQL). Jobs are re-declared at start-up and every housekeeping round from the
communities' settings (a changed day or time reschedules the job; an unchanged one keeps its stored next run
time: that is how a missed run is caught up). Stored jobs name `bot.scheduler:stored_job`; this app's own
executor binds them to its Weekly objects, so nothing unpicklable is stored and nothing global is needed.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.executors.base import run_coroutine_job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, create_engine, delete, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.community_settings import SPEC_BY_KEY, column
from bot.events import ConversationRef, Event, ScheduledTick, Sender
from bot.local_time import zone
from bot.store.models import Community, ConversationState, ProcessedEvent
from bot.store.nudge_models import JobLease
from bot.store.settings_models import CommunitySettingsRow
from bot.store.writer import _insert

log = logging.getLogger("agora.scheduler")

PROCESSED_EVENT_RETENTION = timedelta(days=7)  # platforms retry for minutes or hours, never for days
LEASE_RETENTION = timedelta(days=7)
WEEKLY_GRACE = timedelta(days=6)  # a missed weekly run is still worth doing within the week, not after
PERSISTENT = "persistent"

TickSink = Callable[[Event], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Tick:
    """A periodic ScheduledTick sent to every community through the pipeline. Features react to it with
    `router.on(ScheduledTick)` and `event.job`, so the scheduler never needs to know the handlers."""

    job: str
    every: timedelta


HOURLY = Tick("hourly", timedelta(hours=1))  # onboarding reminders, referrals that now count


class Weekly(Protocol):
    """A job run once a week per community, at the day and time of two of its settings, in its time zone."""

    name: str
    day_setting: str  # a key of bot.community_settings ("nudge.day")
    time_setting: str  # ("nudge.time")

    async def run(self, community_id: int) -> object:
        """Do this week's work; must itself be safe to call from several processes (claim in the database)."""

    async def resume(self) -> object:
        """Finish work interrupted by a crash (called at start and at every housekeeping round)."""


async def stored_job(name: str, community_id: int) -> None:
    """What the persistent job store names. Jobs are run through the app's executor (_AppExecutor), which
    binds them to the app's Weekly jobs; calling this directly is a mistake."""
    raise RuntimeError(f"stored job {name}:{community_id} must run through the app's scheduler")


class _Bound:
    """A stored job as APScheduler's coroutine runner sees it, with its function bound to this app."""

    def __init__(self, job: Any, func: Callable[[], Awaitable[object]]) -> None:
        self.id = job.id
        self.misfire_grace_time = job.misfire_grace_time
        self.func = func
        self.args: tuple[object, ...] = ()
        self.kwargs: dict[str, object] = {}
        self._text = str(job)

    def __str__(self) -> str:
        return self._text


class _Executor(AsyncIOExecutor):  # type: ignore[misc]
    """AsyncIOExecutor that does not cancel running jobs at shutdown: a job cancelled in the middle of opening
    a database connection can leave the engine unable to close. `Scheduler.aclose` waits for them instead."""

    left: list[Any]

    def shutdown(self, wait: bool = True) -> None:
        self.left = [f for f in self._pending_futures if not f.done()]
        self._pending_futures.clear()


class _AppExecutor(_Executor):
    """The executor of stored jobs: they run this app's Weekly objects (misfire checks included)."""

    def __init__(self, dispatch: Callable[[str, int], Awaitable[object]]) -> None:
        super().__init__()
        self._dispatch = dispatch

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        def callback(f: Any) -> None:
            self._pending_futures.discard(f)
            try:
                events = f.result()
            except BaseException:
                self._run_job_error(job.id, *sys.exc_info()[1:])
            else:
                self._run_job_success(job.id, events)

        name, community_id = job.args
        bound = _Bound(job, lambda: self._dispatch(name, community_id))
        f = self._eventloop.create_task(run_coroutine_job(bound, job._jobstore_alias, run_times, self._logger.name))
        f.add_done_callback(callback)
        self._pending_futures.add(f)


def sync_url(url: str) -> str:
    """The synchronous twin of the app's database URL, for APScheduler's job store."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        parsed = parsed.set(drivername="sqlite")
    elif parsed.drivername.startswith("postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def weekly_trigger(day: str, at: str, timezone: str) -> CronTrigger:
    hour, minute = (int(part) for part in at.split(":"))
    return CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=zone(timezone))


class Scheduler:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *,
                 sink: TickSink | None = None, ticks: Sequence[Tick] = (HOURLY,),
                 weekly: Sequence[Weekly] = (), holder: str = "") -> None:
        self.sessions = sessions
        self.clock = clock
        self.sink = sink
        self.ticks = tuple(ticks)
        self.weekly = {job.name: job for job in weekly}
        self.holder = holder or "scheduler"
        self._scheduler: AsyncIOScheduler | None = None
        self._executors: list[_Executor] = []
        self._sync_engine: Engine | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._scheduler is not None:
            return
        self._executors = [_Executor(), _AppExecutor(self._dispatch)]
        self._scheduler = AsyncIOScheduler(timezone="UTC", executors=dict(zip(("default", "app"), self._executors,
                                                                              strict=True)))
        self._scheduler.add_job(self.housekeeping, "interval", minutes=15, id="housekeeping",
                                coalesce=True, max_instances=1, replace_existing=True)
        if self.sink is not None:
            for tick in self.ticks:
                self._scheduler.add_job(self.scheduled_tick, "interval", args=[tick], id=f"tick:{tick.job}",
                                        seconds=tick.every.total_seconds(), coalesce=True, max_instances=1,
                                        replace_existing=True)
        if self.weekly:
            self._sync_engine = self._make_sync_engine()
            self._scheduler.add_jobstore(SQLAlchemyJobStore(engine=self._sync_engine), PERSISTENT)
            # Interrupted work is finished soon after start (in memory: it is re-declared at every start).
            self._scheduler.add_job(self.resume, "date", run_date=datetime.now(UTC), id="resume",
                                    misfire_grace_time=None, replace_existing=True)
        self._scheduler.start()
        if self.weekly:
            self.sync_weekly()

    async def aclose(self, timeout: float = 30.0) -> None:
        """Stop firing, then wait for the jobs already running (cancelled only past `timeout`)."""
        if self._scheduler is None:
            return
        self.stop()
        # AsyncIOScheduler.shutdown only queues the shutdown on the loop (call_soon_threadsafe): one turn of the
        # loop runs it, so the executors have listed their running jobs (`left`) before they are waited for.
        # Without it the list was still empty, jobs outlived the app, and one cancelled at exit while opening an
        # aiosqlite connection could leave a thread that kept the process from ending.
        await asyncio.sleep(0)
        running = [f for executor in self._executors for f in getattr(executor, "left", [])]
        if running:
            _, late = await asyncio.wait(running, timeout=timeout)
            for future in late:
                future.cancel()

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)  # also closes the job store's engine
            self._scheduler = None
            self._sync_engine = None

    def _make_sync_engine(self) -> Engine:
        bind = self.sessions.kw["bind"]
        url = sync_url(bind.url.render_as_string(hide_password=False))
        if url.startswith("sqlite"):
            return create_engine(url, connect_args={"timeout": 30})
        return create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True)

    # --- housekeeping ------------------------------------------------------------------------------------
    async def housekeeping(self) -> None:
        """Expired conversations end; old de-duplication keys and tick leases go; weekly jobs follow the
        settings; interrupted weekly work resumes."""
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            await session.execute(delete(ConversationState).where(ConversationState.expires_at <= now))
            await session.execute(delete(ProcessedEvent).where(
                ProcessedEvent.received_at < now - PROCESSED_EVENT_RETENTION))
            await session.execute(delete(JobLease).where(JobLease.claimed_at < now - LEASE_RETENTION))
        if self._sync_engine is not None:
            self.sync_weekly()
        await self.resume()
        log.info("housekeeping done")

    async def resume(self) -> None:
        for job in self.weekly.values():
            try:
                await job.resume()
            except asyncio.CancelledError:  # shutting down (Ctrl-C at start): the next start resumes
                log.info("resume interrupted", extra={"job": job.name})
                return
            except Exception:
                log.exception("resume failed", extra={"job": job.name})

    # --- ticks -------------------------------------------------------------------------------------------
    async def tick(self, job: str, *, slot: datetime | None = None) -> int:
        """Send ScheduledTick(`job`) to every community, one after the other; returns how many were sent.
        With `slot`, each community's tick is first claimed for that time slot (see `scheduled_tick`).
        Tests call this directly (with a ManualClock) instead of waiting for the interval."""
        if self.sink is None:
            return 0
        async with self.sessions() as session:
            ids = list((await session.execute(select(Community.id).order_by(Community.id))).scalars())
        sent = 0
        for community_id in ids:
            if slot is not None and not await self.claim(f"tick:{job}:{community_id}:{slot.isoformat()}"):
                continue
            event = ScheduledTick(platform="scheduler", event_id=None, sender=Sender("scheduler"),
                                  ref=ConversationRef("scheduler", "", None, None), ts=self.clock.now(),
                                  job=job, community_id=community_id)
            sent += 1
            try:
                await self.sink(event)
            except Exception:  # one community's failure must not starve the others
                log.exception("tick failed", extra={"job": job, "community_id": community_id})
        return sent

    async def scheduled_tick(self, tick: Tick) -> int:
        """What the interval trigger runs: the tick of the current slot (the clock's time rounded down to
        `tick.every`), claimed per community, so that with several processes each slot is ticked once."""
        every = int(tick.every.total_seconds())
        seconds = int(self.clock.now().timestamp())
        slot = datetime.fromtimestamp(seconds - seconds % every, UTC)
        return await self.tick(tick.job, slot=slot)

    async def claim(self, name: str) -> bool:
        """Claim `name` once for all processes: True for the one whose INSERT created the row."""
        async with self.sessions() as session, session.begin():
            conn = await session.connection()
            won = await session.execute(_insert(conn, JobLease).values(
                name=name[:200], holder=self.holder[:64], claimed_at=self.clock.now())
                .on_conflict_do_nothing().returning(JobLease.name))
            return won.first() is not None

    # --- weekly jobs -------------------------------------------------------------------------------------
    async def _dispatch(self, name: str, community_id: int) -> object:
        job = self.weekly.get(name)
        if job is None:
            log.warning("stored job without a handler", extra={"job": name, "community_id": community_id})
            return None
        try:
            return await job.run(community_id)
        except asyncio.CancelledError:  # shutting down mid-run: its lease expires and `resume` finishes it
            log.info("weekly job interrupted", extra={"job": name, "community_id": community_id})
            return None

    def sync_weekly(self) -> None:
        """Declare one stored job per (weekly job, community) from the settings; reschedule only what
        changed, remove the jobs of communities that are gone. Synchronous: a few rows, on the store's engine."""
        assert self._scheduler is not None and self._sync_engine is not None
        wanted: dict[str, CronTrigger] = {}
        args: dict[str, tuple[str, int]] = {}
        keys = sorted({key for job in self.weekly.values() for key in (job.day_setting, job.time_setting)})
        columns = [getattr(CommunitySettingsRow, column(key)) for key in keys]
        with self._sync_engine.connect() as conn:
            rows = conn.execute(select(Community.id, Community.timezone, *columns)
                                .outerjoin(CommunitySettingsRow,
                                           CommunitySettingsRow.community_id == Community.id)).all()
        for community_id, timezone, *values in rows:
            chosen = dict(zip(keys, values, strict=True))
            for job in self.weekly.values():
                job_id = f"{job.name}:{community_id}"
                wanted[job_id] = weekly_trigger(_setting(chosen, job.day_setting), _setting(chosen, job.time_setting),
                                                timezone)
                args[job_id] = (job.name, community_id)
        stored = {j.id: j for j in self._scheduler.get_jobs(jobstore=PERSISTENT)}
        for job_id, trigger in wanted.items():
            current = stored.get(job_id)
            if current is None:
                self._scheduler.add_job(stored_job, trigger, args=list(args[job_id]), id=job_id,
                                        jobstore=PERSISTENT, executor="app", coalesce=True, max_instances=1,
                                        misfire_grace_time=int(WEEKLY_GRACE.total_seconds()),
                                        replace_existing=True)
            elif repr(current.trigger) != repr(trigger):
                current.reschedule(trigger)
        for job_id in stored.keys() - wanted.keys():
            self._scheduler.remove_job(job_id, jobstore=PERSISTENT)

    def stored_jobs(self) -> dict[str, datetime | None]:
        """The persistent jobs and their next run times (for tests and `agora` diagnostics)."""
        if self._scheduler is None:
            return {}
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs(jobstore=PERSISTENT)}


def _setting(chosen: dict[str, object], key: str) -> str:
    value = chosen.get(key)
    return str(value if value is not None else SPEC_BY_KEY[key].default)
