"""The nudges' bars with real processes (tests/e2e/programs/nudge_worker.py), a real database, real signals:

- a weekly run missed while the bot was down is caught up once at the next start, and with two processes
  started together on the same database it runs exactly once;
- a process killed (kill -9) in the middle of a run, then another started: every member is nudged, none twice.
"""

from __future__ import annotations

import asyncio
import collections
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import func, insert, select

from bot import community_settings
from bot.nudges.periods import draw
from bot.scheduler import sync_url
from bot.store.db import create_engine
from bot.store.models import Community, Member, PlatformAccount, Workspace
from bot.store.nudge_models import Nudge, NudgeRun
from tests.e2e.agora_cli import clean_env
from tests.e2e.programs.outbox_db import prepare_database

WORKER = Path(__file__).parent / "programs" / "nudge_worker.py"
COMMUNITY = "nudgetest"
TIMEOUT = 90.0


def noon_zone(now: datetime) -> str:
    """A time zone where it is about noon now: the test never falls in the members' quiet hours."""
    offset = 12 - now.hour
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


async def _seed(url: str, members: int) -> int:
    """The community (its weekly run set an hour ago, today), a workspace and `members` members silent for a
    month; returns the community id."""
    now = datetime.now(UTC)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            cid = (await conn.execute(insert(Community).returning(Community.id), [{
                "slug": COMMUNITY, "name": "Nudge test", "default_locale": "fr", "timezone": "UTC",
                "created_at": now - timedelta(days=400)}])).scalar_one()
            wid = (await conn.execute(insert(Workspace).returning(Workspace.id), [{
                "community_id": cid, "platform": "file", "external_id": "file", "name": "", "created_at": now}]
            )).scalar_one()
            zone = noon_zone(now)
            ids = (await conn.execute(insert(Member).returning(Member.id), [{
                "community_id": cid, "display_name": f"M{i}", "locale": "fr", "timezone": zone, "role": "member",
                "is_expert": False, "nudge_frequency": "weekly", "joined_at": now - timedelta(days=90),
                "last_active_at": now - timedelta(days=30)} for i in range(members)])).scalars().all()
            await conn.execute(insert(PlatformAccount), [{
                "community_id": cid, "member_id": mid, "workspace_id": wid, "platform": "file",
                "external_user_id": f"U{mid}", "display_name": "", "dm_channel_id": f"D{mid}", "created_at": now}
                for mid in ids])
        sessions_engine = engine
        from bot.store.db import session_factory

        async with session_factory(sessions_engine)() as session, session.begin():
            earlier = now - timedelta(hours=1)
            await community_settings.store(session, cid, "nudge.day", earlier.strftime("%a").lower(), now)
            await community_settings.store(session, cid, "nudge.time", earlier.strftime("%H:%M"), now)
        return int(cid)
    finally:
        await engine.dispose()


async def _counts(url: str) -> tuple[int, int, int, int]:
    """(nudge runs, finished runs, nudges rows, distinct members in them)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            runs = (await conn.execute(select(func.count()).select_from(NudgeRun))).scalar_one()
            done = (await conn.execute(select(func.count()).select_from(NudgeRun)
                                       .where(NudgeRun.finished_at.is_not(None)))).scalar_one()
            rows = (await conn.execute(select(func.count()).select_from(Nudge))).scalar_one()
            distinct = (await conn.execute(select(func.count(func.distinct(Nudge.member_id))))).scalar_one()
            return int(runs), int(done), int(rows), int(distinct)
    finally:
        await engine.dispose()


async def _lease_over(url: str) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            left = (await conn.execute(select(func.count()).select_from(NudgeRun).where(
                NudgeRun.finished_at.is_(None), NudgeRun.lease_until >= datetime.now(UTC)))).scalar_one()
            return int(left) == 0
    finally:
        await engine.dispose()


async def _member_ids(url: str, cid: int) -> list[int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(select(Member.id).where(Member.community_id == cid))).scalars())
    finally:
        await engine.dispose()


def stored_job(url: str, job_id: str, *, move_to: datetime | None = None) -> datetime | None:
    """A stored job's next run time, read (or moved, as if it had passed while every process was down)
    through APScheduler's own job store."""
    engine = create_sync_engine(sync_url(url))
    try:
        store = SQLAlchemyJobStore(engine=engine)
        store.start(None, "persistent")
        job = store.lookup_job(job_id)
        if job is None:
            return None
        if move_to is not None:
            job.next_run_time = move_to
            store.update_job(job)
        return job.next_run_time  # type: ignore[no-any-return]
    finally:
        engine.dispose()


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def wait_until(condition: Callable[[], bool], processes: list[subprocess.Popen[bytes]], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"a worker exited ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def start(out: Path, cwd: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    log = (cwd / "worker.log").open("ab")
    return subprocess.Popen([sys.executable, str(WORKER), str(out), *extra], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            assert process.wait(TIMEOUT) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(TIMEOUT)


def ready(out: Path, process: subprocess.Popen[bytes]) -> bool:
    return out.with_suffix(f".ready{process.pid}").exists()


def setup_missed_run(url: str, tmp_path: Path, members: int) -> tuple[int, list[str], Path, dict[str, str]]:
    """A database where the weekly run of an hour ago was missed (the stored job's next run time three weeks
    and an hour ago: every process was down since). Returns (community, expected keys, out file, env)."""
    prepare_database(url)
    cid = asyncio.run(_seed(url, members))
    env = clean_env(DATABASE_URL=url, AGORA_COMMUNITY=COMMUNITY, AGORA_OUTBOX_LEASE_SECONDS="1",
                    AGORA_OUTBOX_POLL_SECONDS="0.1", AGORA_CONSOLE="false", AGORA_LOG_LEVEL="WARNING")
    out = tmp_path / "delivered.txt"
    first = start(out, tmp_path, env)  # its start declares the community's weekly job in the job store
    try:
        wait_until(lambda: ready(out, first), [first], "the first start")
    finally:
        stop(first)
    job_id = f"nudges:{cid}"
    upcoming = stored_job(url, job_id)
    assert upcoming is not None and upcoming > datetime.now(UTC), "the weekly job is stored, due next week"
    stored_job(url, job_id, move_to=datetime.now(UTC) - timedelta(weeks=3, hours=1))
    ids = asyncio.run(_member_ids(url, cid))
    now = datetime.now(UTC)
    period = f"{now.isocalendar()[0]}-W{now.isocalendar()[1]:02d}"
    expected = [f"nudge:{cid}:{period}:{mid}:0" for mid in ids if draw(cid, mid) >= 0.10]
    assert 0 < len(expected) < members
    return cid, expected, out, env


def test_a_missed_run_is_caught_up_once_by_two_processes_started_together(database_url: str,
                                                                         tmp_path: Path) -> None:
    cid, expected, out, env = setup_missed_run(database_url, tmp_path, members=60)
    a, b = start(out, tmp_path, env), start(out, tmp_path, env)
    try:
        wait_until(lambda: len(lines(out)) >= len(expected) and ready(out, a) and ready(out, b), [a, b],
                   "every nudge delivered")
        wait_until(lambda: asyncio.run(_counts(database_url))[1] == 1, [a, b], "the run finished")
        time.sleep(0.5)  # a second run or a duplicate delivery, if there were one, would show by now
    finally:
        stop(a, b)
    assert collections.Counter(lines(out)) == collections.Counter(expected), "each member nudged once"
    assert asyncio.run(_counts(database_url)) == (1, 1, 60, 60)  # one run; every member, held out or nudged
    upcoming = stored_job(database_url, f"nudges:{cid}")
    assert upcoming is not None and upcoming > datetime.now(UTC) + timedelta(days=6), "next week's, not again"


def test_killed_in_the_middle_of_a_run_then_restarted_nudges_everyone_once(database_url: str,
                                                                           tmp_path: Path) -> None:
    _, expected, out, env = setup_missed_run(database_url, tmp_path, members=300)
    dying = start(out, tmp_path, env, "--lease-seconds", "1", "--block-after-batch", "1")
    try:
        wait_until(out.with_suffix(".blocked").exists, [dying], "the first batch")
    finally:
        dying.kill()  # SIGKILL: no shutdown code runs
        dying.wait(TIMEOUT)
    assert dying.returncode == -signal.SIGKILL
    runs, done, rows, _ = asyncio.run(_counts(database_url))
    assert (runs, done, rows) == (1, 0, 100), "one batch of 100 written, the run unfinished"
    assert 0 < len(lines(out)) < len(expected)
    wait_until(lambda: asyncio.run(_lease_over(database_url)), [], "the dead process's lease to expire")

    second = start(out, tmp_path, env, "--lease-seconds", "1")
    try:
        wait_until(lambda: len(lines(out)) >= len(expected), [second], "every nudge delivered")
        wait_until(lambda: asyncio.run(_counts(database_url))[1] == 1, [second], "the run finished")
        time.sleep(0.5)
    finally:
        stop(second)
    assert collections.Counter(lines(out)) == collections.Counter(expected), "none twice, none forgotten"
    assert asyncio.run(_counts(database_url)) == (1, 1, 300, 300)
