"""The scheduler's once-only guarantees and its persistent weekly jobs, on the real database."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.events import Event
from bot.scheduler import HOURLY, Scheduler
from bot.testing import BotTester
from tests.unit.nudges_support import community_id, configure


async def test_a_scheduled_tick_runs_once_per_slot_across_processes(bot: BotTester, clock: ManualClock) -> None:
    seen: list[tuple[str, int]] = []

    async def sink(event: Event) -> None:
        seen.append((getattr(event, "job", ""), getattr(event, "community_id", 0)))

    sessions = bot.app.services.sessions
    one = Scheduler(sessions, clock, sink=sink, holder="one")
    two = Scheduler(sessions, clock, sink=sink, holder="two")
    counts = await asyncio.gather(one.scheduled_tick(HOURLY), two.scheduled_tick(HOURLY))
    assert sorted(counts) == [0, 1] and len(seen) == 1
    clock.advance(minutes=40)  # same hour: nobody again
    assert await one.scheduled_tick(HOURLY) + await two.scheduled_tick(HOURLY) == 0
    clock.advance(minutes=25)  # the next hour: once again
    counts = await asyncio.gather(two.scheduled_tick(HOURLY), one.scheduled_tick(HOURLY))
    assert sorted(counts) == [0, 1] and len(seen) == 2
    assert await one.tick("hourly") == 1  # a direct tick (tests, tools) is not claimed
    assert seen == [("hourly", await community_id(bot))] * 3


async def test_the_weekly_job_is_stored_at_the_communitys_day_and_time_in_its_time_zone(bot: BotTester) -> None:
    cid = await community_id(bot)
    jobs = bot.app.scheduler.stored_jobs()
    upcoming = jobs[f"nudges:{cid}"]
    assert upcoming is not None
    local = upcoming.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)  # the defaults: Monday 09:00, Paris

    await configure(bot, day="fri", time="18:30")
    bot.app.scheduler.sync_weekly()
    moved = bot.app.scheduler.stored_jobs()[f"nudges:{cid}"]
    assert moved is not None
    local = moved.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.weekday(), local.hour, local.minute) == (4, 18, 30)
    bot.app.scheduler.sync_weekly()  # unchanged settings: the stored time is kept as it is
    assert bot.app.scheduler.stored_jobs()[f"nudges:{cid}"] == moved


async def test_a_stored_job_survives_a_restart_and_a_missed_run_fires_once(bot: BotTester, clock: ManualClock) -> None:
    """The stored job's next run time passes while the scheduler is down: the next start runs it once."""
    from sqlalchemy import func, select

    from bot.store.nudge_models import NudgeRun

    cid = await community_id(bot)
    await configure(bot, holdout_share=0.0)
    await bot.join("alice", locale="fr")
    clock.advance(days=22)
    hour_ago = datetime.now(ZoneInfo("Europe/Paris")) - timedelta(hours=1)  # APScheduler runs on real time
    await configure(bot, day=hour_ago.strftime("%a").lower(), time=hour_ago.strftime("%H:%M"))
    scheduler = bot.app.scheduler
    scheduler.sync_weekly()
    job_id = f"nudges:{cid}"
    assert scheduler._scheduler is not None
    past = scheduler.stored_jobs()[job_id]
    assert past is not None  # in a week minus an hour; moved to four weeks before (every process down)
    scheduler._scheduler.modify_job(job_id, jobstore="persistent", next_run_time=past - timedelta(weeks=4))
    await scheduler.aclose()  # down...
    assert scheduler.stored_jobs() == {}
    scheduler.start()  # ... and up again: three missed runs, coalesced into one, within the grace time
    async with asyncio.timeout(20):
        while True:
            async with bot.app.services.sessions() as session:
                runs = (await session.execute(select(func.count()).select_from(NudgeRun).where(
                    NudgeRun.finished_at.is_not(None)))).scalar_one()
            if runs:
                break
            await asyncio.sleep(0.05)  # the job is already due: this waits for it to run, not for a timer
    await bot.app.sender.drain("test")
    nudges = [d for d in bot.adapter.sent if d.user_id == "alice" and d.buttons
              and d.buttons[0].action_id.startswith("nudge.")]
    assert len(nudges) == 1
    upcoming = scheduler.stored_jobs()[job_id]
    assert upcoming is not None and upcoming == past  # next week's again
    async with bot.app.services.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(NudgeRun))).scalar_one() == 1


class _SlowResume:
    """A weekly job whose start-up `resume` is still running when the app stops."""

    name = "slow"
    day_setting = "nudge.day"
    time_setting = "nudge.time"

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished = False

    async def run(self, community_id: int) -> None:
        return None

    async def resume(self) -> None:
        self.started.set()
        await self.release.wait()
        self.finished = True


async def test_closing_waits_for_the_job_in_flight_and_leaves_no_task(bot: BotTester, clock: ManualClock) -> None:
    """APScheduler's asyncio shutdown is queued on the loop; closing must still see and await the running job
    (a job left behind ran on a closed engine, and one cancelled at exit kept the process alive)."""
    job = _SlowResume()
    scheduler = Scheduler(bot.app.services.sessions, clock, weekly=[job], holder="slow")
    scheduler.start()
    async with asyncio.timeout(10):
        await job.started.wait()
    closing = asyncio.create_task(scheduler.aclose(timeout=10))
    await asyncio.sleep(0.2)
    assert not closing.done()  # waiting for the job, not gone without it
    job.release.set()
    async with asyncio.timeout(10):
        await closing
    assert job.finished
    left = [t for t in asyncio.all_tasks() if "run_coroutine_job" in repr(t.get_coro())]
    assert left == []
