"""The nudges benchmark: planning a weekly run (who gets a nudge, and what each one holds) for a big community.

`python -m bench nudges --json [--members N] [--activity N] [--pg URL] [--repeat R]`

It seeds a fresh database (a temporary SQLite file; and PostgreSQL when `--pg` or DATABASE_URL gives a server:
a database `agora_bench_nudges` is created next to the one named, and dropped afterwards) from the migrations,
with 100,000 members and 5,000,000 activity rows by default, written the fast way (executemany in large
transactions on SQLite, COPY on PostgreSQL). The community looks lived-in: 60 % of members active within
three weeks, the rest silent for 3 weeks to 6 months; 1 % joined this week (newcomers, and "new members of
your sector" items); some chose monthly nudges or none; some are snoozed, unreachable, or already nudged
(inside the window, or three times unanswered); sectors, this week's FAQ entries and a flagged line.

Then it times `bot.nudges.planner.plan` (the code the weekly job and `/agora nudge preview` run: the
eligibility query, the holdout draw, every content source) R times after one warm-up run, and reports the
median and the first (cold cache) run. The database connection is opened before the timing starts, as in
a running bot whose pool is warm: the first run measures cold queries, not the connection handshake. The bar:
under 1 s on each database on this machine (2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench._databases import postgres_database

BENCH_DB = "agora_bench_nudges"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TARGET_SECONDS = 1.0
SECTORS = 12


# --- the data ----------------------------------------------------------------------------------------------
class Seed:
    """Everything to write, generated once (the same data for both databases)."""

    def __init__(self, members: int, activity: int, seed: int = 6) -> None:
        rnd = random.Random(seed)
        self.members: list[tuple[Any, ...]] = []
        self.accounts: list[tuple[Any, ...]] = []
        self.member_sectors: list[tuple[int, int, int]] = []
        self.nudges: list[tuple[Any, ...]] = []
        self.snoozes: list[tuple[Any, ...]] = []
        self.last_days: list[float] = []
        for mid in range(1, members + 1):
            newcomer = rnd.random() < 0.01
            joined = NOW - timedelta(days=3 if newcomer else rnd.uniform(200, 900))
            days = rnd.uniform(0, 20.9) if rnd.random() < 0.6 else rnd.uniform(21.1, 180)
            days = min(days, (NOW - joined).total_seconds() / 86400)
            self.last_days.append(days)
            freq = "never" if rnd.random() < 0.05 else "monthly" if rnd.random() < 0.1 else "weekly"
            self.members.append((mid, 1, f"Member {mid}", rnd.choice(("fr", "en", None)), None, freq, joined,
                                 NOW - timedelta(days=days)))
            self.accounts.append((mid, 1, mid, 1, "test", f"U{mid}", f"D{mid}",
                                  NOW - timedelta(days=1) if rnd.random() < 0.02 else None, joined))
            for sector in rnd.sample(range(1, SECTORS + 1), rnd.choice((1, 1, 2))):
                self.member_sectors.append((mid, sector, 1))
            if days > 21 and rnd.random() < 0.4:  # nudged before: inside the window, or three unanswered
                if rnd.random() < 0.5:
                    self.nudges.append((mid, "2026-W08", NOW - timedelta(days=10)))
                else:
                    for week, ago in (("2026-W05", 27), ("2026-W03", 41), ("2026-W01", 55)):
                        if ago < days:
                            self.nudges.append((mid, week, NOW - timedelta(days=ago)))
            if rnd.random() < 0.01:
                self.snoozes.append((mid, 1, NOW + timedelta(days=12), NOW - timedelta(days=18)))
        self.activity_total = activity
        self._rnd_seed = seed

    def activity(self) -> Iterator[tuple[Any, ...]]:
        """`activity_total` rows spread over the members; each member's newest row is at its last_active_at."""
        rnd = random.Random(self._rnd_seed + 1)
        n = len(self.members)
        per, extra = divmod(self.activity_total, n)
        for index, days in enumerate(self.last_days):
            mid = index + 1
            count = per + (1 if index < extra else 0)
            if count == 0:
                continue
            yield (1, mid, "message", "test", NOW - timedelta(days=days))
            for _ in range(count - 1):
                yield (1, mid, rnd.choice(("message", "reaction", "command", "button")), "test",
                       NOW - timedelta(days=days + rnd.uniform(0, 120)))


def fixed_rows() -> dict[str, list[tuple[Any, ...]]]:
    week = NOW - timedelta(days=2)
    return {
        "communities": [(1, "bench", "Bench", "fr", "Europe/Paris", NOW - timedelta(days=1000))],
        "workspaces": [(1, 1, "test", "T1", "Bench", None, NOW - timedelta(days=1000))],
        "sectors": [(s, 1, f"s{s}", f"Filière {s}", f"Sector {s}", "", "[]", "[]", None, None)
                    for s in range(1, SECTORS + 1)],
        "faq_entries": [(i, 1, f"new-{i}", f"Question nouvelle {i} ?", "Réponse.", "[]", "[]", None, "fr", week, week)
                        for i in range(1, 4)],
        "nudge_flags": [(1, 1, "Assemblée générale jeudi", None, week, week + timedelta(days=7))],
        "nudge_runs": [(1, 1, "2026-W08", "schedule", "bench", NOW - timedelta(days=10), NOW - timedelta(days=10),
                        NOW - timedelta(days=10), 0, 0)],
    }


COLUMNS = {
    "communities": "id, slug, name, default_locale, timezone, created_at",
    "workspaces": "id, community_id, platform, external_id, name, fallback_channel_id, created_at",
    "sectors": "id, community_id, slug, name_fr, name_en, description, examples, tags, channel, retired_at",
    "faq_entries": "id, community_id, key, question, answer, examples, tags, sector, lang, created_at, updated_at",
    "nudge_flags": "id, community_id, text, created_by, created_at, expires_at",
    "nudge_runs": "id, community_id, period, trigger, holder, lease_until, started_at, finished_at, nudged, held_out",
    "members": "id, community_id, display_name, locale, timezone, nudge_frequency, joined_at, last_active_at",
    "platform_accounts": ("id, community_id, member_id, workspace_id, platform, external_user_id, dm_channel_id, "
                          "unreachable_at, created_at"),
    "member_sectors": "member_id, sector_id, community_id",
    "nudges": "community_id, member_id, run_id, period, holdout, reason_days, items, created_at",
    "nudge_preferences": "member_id, community_id, snoozed_until, updated_at",
    "activity": "community_id, member_id, kind, platform, ts",
}


def nudge_rows(seed: Seed) -> list[tuple[Any, ...]]:
    return [(1, mid, 1, period, False, 30, 1, ts) for mid, period, ts in seed.nudges]


def member_rows(seed: Seed) -> list[tuple[Any, ...]]:
    """Members with the columns the table requires (role, is_expert, left_at, consent filled in)."""
    return list(seed.members)


# --- writing -----------------------------------------------------------------------------------------------
def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def seed_sqlite(path: str, seed: Seed) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")

    def put(table: str, rows: Any, extra: str = "", extra_values: tuple[Any, ...] = ()) -> None:
        cols = COLUMNS[table] + extra
        marks = ", ".join("?" * len(cols.split(",")))
        conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                         (tuple(_sqlite_value(v) for v in row) + extra_values for row in rows))

    with conn:
        for table, rows in fixed_rows().items():
            put(table, rows)
        put("members", member_rows(seed), ", role, is_expert", ("member", 0))
        put("platform_accounts", seed.accounts, ", display_name", ("",))
        put("member_sectors", seed.member_sectors)
        put("nudges", nudge_rows(seed))
        put("nudge_preferences", seed.snoozes)
    with conn:
        put("activity", seed.activity())
    conn.execute("ANALYZE")
    conn.close()


async def seed_postgres(url: str, seed: Seed) -> None:
    import asyncpg

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        async def copy(table: str, rows: Any, extra: str = "", extra_values: tuple[Any, ...] = ()) -> None:
            columns = [c.strip() for c in (COLUMNS[table] + extra).split(",")]
            records = (tuple(row) + extra_values for row in rows)
            await conn.copy_records_to_table(table, records=list(records), columns=columns)

        for table, rows in fixed_rows().items():
            await copy(table, rows)
        await copy("members", member_rows(seed), ", role, is_expert", ("member", False))
        await copy("platform_accounts", seed.accounts, ", display_name", ("",))
        await copy("member_sectors", seed.member_sectors)
        await copy("nudges", nudge_rows(seed))
        await copy("nudge_preferences", seed.snoozes)
        batch: list[tuple[Any, ...]] = []
        for row in seed.activity():
            batch.append(row)
            if len(batch) >= 500_000:
                await copy("activity", batch)
                batch = []
        if batch:
            await copy("activity", batch)
        for table in ("members", "platform_accounts", "workspaces", "sectors", "faq_entries", "nudge_runs"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 1) FROM {table}))")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


# --- timing ------------------------------------------------------------------------------------------------
async def time_plan(url: str, repeat: int) -> dict[str, Any]:
    from bot.community_settings import CommunitySettings
    from bot.nudges.planner import Rules, plan
    from bot.store.db import create_engine, session_factory

    engine = create_engine(url)
    sessions = session_factory(engine)
    rules = Rules.of(CommunitySettings({}))
    times: list[float] = []
    found: Any = None
    try:
        async with engine.connect() as conn:  # the pool's connection, opened before the clock starts
            await conn.execute(select(1))
        for _ in range(repeat + 1):
            start = time.perf_counter()
            async with sessions() as session:
                found = await plan(session, 1, "2026-W10", NOW, rules)
            times.append(time.perf_counter() - start)
    finally:
        await engine.dispose()
    nudged = found.nudged
    median = statistics.median(times[1:]) if len(times) > 1 else times[0]
    return {
        "plan_seconds": round(median, 4),
        "first_plan_seconds": round(times[0], 4),
        "planned": len(found.members),
        "nudged": len(nudged),
        "held_out": len(found.held_out),
        "items_per_nudge": round(sum(len(p.items) for p in nudged) / max(1, len(nudged)), 2),
        "under_bar": median < TARGET_SECONDS,
    }


async def run_on(url: str, seed: Seed, repeat: int) -> dict[str, Any]:
    from bot.store.migrate import upgrade_async

    await upgrade_async(url)
    start = time.perf_counter()
    if url.startswith("sqlite"):
        seed_sqlite(make_url(url).database or "", seed)
    else:
        await seed_postgres(url, seed)
    seeded = time.perf_counter() - start
    result = await time_plan(url, repeat)
    result["seed_seconds"] = round(seeded, 1)
    return result


async def run(opts: argparse.Namespace) -> dict[str, Any]:
    seed = Seed(opts.members, opts.activity)
    result: dict[str, Any] = {"benchmark": "nudges", "members": opts.members, "activity_rows": opts.activity,
                              "target_seconds": TARGET_SECONDS}
    with tempfile.TemporaryDirectory(prefix="agora-bench-nudges-") as tmp:
        result["sqlite"] = await run_on(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", seed, opts.repeat)
    pg = opts.pg or os.environ.get("DATABASE_URL", "")
    if pg.startswith("postgres"):
        async with postgres_database(pg, BENCH_DB) as url:
            result["postgresql"] = await run_on(url, seed, opts.repeat)
    else:
        result["postgresql"] = None
    return result


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench nudges", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object")
    parser.add_argument("--members", type=int, default=100_000, help="members (100,000)")
    parser.add_argument("--activity", type=int, default=5_000_000, help="activity rows (5,000,000)")
    parser.add_argument("--pg", "--pg-url", dest="pg", default="", help="PostgreSQL URL (default: DATABASE_URL)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the warm-up (3)")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    opts = parse(argv)
    result = asyncio.run(run(opts))
    if opts.json:
        print(json.dumps(result))
    else:
        for db in ("sqlite", "postgresql"):
            figures = result[db]
            if figures is None:
                print(f"{db}: skipped (no --pg URL)")
                continue
            print(f"{db}: plan {figures['plan_seconds']} s (first {figures['first_plan_seconds']} s) for "
                  f"{figures['nudged']} nudged + {figures['held_out']} held out; seeded in {figures['seed_seconds']} s")
    return 0
