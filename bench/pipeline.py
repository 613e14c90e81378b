"""The pipeline benchmark: events through the whole core, with everything persisted.

`python -m bench pipeline --json [--events N] [--concurrency C] [--members M] [--pg URL]`

It builds the real App (bot.composition.build_app, the live bot's composition root) with the TestAdapter on a
fresh database: a temporary SQLite file, and PostgreSQL too when a URL is given (a database `agora_bench` is
created next to the one named in the URL, and dropped afterwards). Each event is a DM `help` from a seeded
member: de-duplication, identity, locale, activity, router, permissions, the real `help` handler (one
multi-line reply), the outbox, all through `app.pipeline.process`, which returns once the event's effects
(its de-duplication key, its outbox row, its activity row, the member's last_active_at) are committed.

Phases, each timed on its own:
- first_sight: one event from each of `--new-members` people never seen before: each becomes a member (and a
  platform account) on the way, as on a community's first day.
- warmup: one event per seeded member. The identity cache is cold: each member is read from the database.
- main: N events from the members in turn (identity is a cache hit, as in steady state); the headline figures.
- duplicates: the main events delivered again, to the same app (its memory catches most), then to a fresh
  app on the same database (another process, or a restart: only the database's unique keys catch them).
  Both must leave zero new rows.
- outbox_drain: the outbox sender (stopped while handling was measured, since delivery is separate from
  handling) then delivers to the TestAdapter for a few seconds; its rate is reported as an extra figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import math
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench._databases import postgres_database
from bot.clock import SystemClock
from bot.composition import App, build_app
from bot.config import Settings
from bot.context import Context
from bot.events import ConversationRef, MessageReceived, Sender
from bot.store.models import Activity, Base, Community, Member, Outbox, PlatformAccount, ProcessedEvent, Workspace
from bot.testing import TestAdapter

BENCH_DB = "agora_bench"
COMMUNITY = "bench"
PING = "benchping"
HANDLERS = {  # --handler: what the events say, and what answers them
    "help": ("help", "help: the real command of handlers/help.py; a DM 'help' gets its reply, one message "
                     "listing every command the member may use (it grows with the features)"),
    "one-line": (PING, f"{PING}: a command the benchmark registers on the router; it replies with one "
                       "catalog line (help.intro)"),
}
TARGET_EVENTS_PER_S = 10_000  # the bar, SQLite, on a 2-core machine
TARGET_P99_MS = 10.0


# --- databases ---------------------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="agora-bench-") as tmp:
        yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"


async def create_schema(url: str, engine: AsyncEngine, how: str) -> str:
    """The schema, from the models' metadata (the tables the code writes; tests/unit/test_migrations.py
    keeps the migrations equal to it) or, with `migrate`, from the migrations. Says which."""
    if how == "migrate":
        from bot.store.migrate import upgrade

        await asyncio.to_thread(upgrade, url)  # Alembic runs its own event loop: keep it off ours
        return "bot.store.migrate.upgrade"
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return "Base.metadata.create_all"


# --- the app -----------------------------------------------------------------------------------------------
def make_app(url: str, handler: str) -> App:
    settings = Settings.model_validate({
        "DATABASE_URL": url, "AGORA_COMMUNITY": COMMUNITY, "AGORA_COMMUNITY_NAME": "Bench",
        "AGORA_DEFAULT_LOCALE": "fr", "AGORA_CONSOLE": False,
    })
    app = build_app(settings, clock=SystemClock(), adapters=[TestAdapter()])
    if handler == "one-line":

        async def ping(ctx: Context) -> None:
            ctx.say("help.intro")

        app.router.command(PING)(ping)
    return app


async def start_handling_only(app: App) -> None:
    """Start the app as the live bot does, then pause the outbox sender: handling is measured on its own."""
    await app.start(adapters=False)
    await app.sender.stop()


async def seed_members(app: App, count: int) -> list[str]:
    """`count` members with a platform account each in workspace T1: user ids u0000, u0001 ..."""
    now = app.services.clock.now()
    users = [f"u{i:04d}" for i in range(count)]
    async with app.engine.begin() as conn:
        cid = (await conn.execute(select(Community.id).where(Community.slug == COMMUNITY))).scalar_one()
        wid = (await conn.execute(insert(Workspace).returning(Workspace.id), [{
            "community_id": cid, "platform": "test", "external_id": "T1", "name": "bench", "created_at": now,
        }])).scalar_one()
        await conn.execute(insert(Member), [
            {"community_id": cid, "display_name": user.upper(), "locale": None, "role": "member",
             "is_expert": False, "joined_at": now} for user in users
        ])
        ids = list((await conn.execute(select(Member.id).where(Member.community_id == cid)
                                       .order_by(Member.id))).scalars())
        await conn.execute(insert(PlatformAccount), [
            {"community_id": cid, "member_id": mid, "workspace_id": wid, "platform": "test",
             "external_user_id": user, "display_name": user.upper(), "created_at": now}
            for mid, user in zip(ids, users, strict=True)
        ])
    return users


def make_events(app: App, users: Sequence[str], count: int, prefix: str, text: str = "help",
                ) -> Iterator[MessageReceived]:
    """What an adapter would hand the core: DMs saying `text`, from the users in turn. Made as they are
    pushed, as an adapter makes them, rather than all held in memory beforehand; the same arguments give
    the same event ids (the duplicate passes rely on it)."""
    clock = app.services.clock
    for i in range(count):
        user = users[i % len(users)]
        yield MessageReceived(
            platform="test", event_id=f"{prefix}-{i}", ref=ConversationRef("test", "T1", f"D-{user}", user, is_dm=True),
            sender=Sender(user_id=user, display_name=user.upper()), ts=clock.now(), text=text,
        )


# --- measuring ---------------------------------------------------------------------------------------------
def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered), max(1, math.ceil(p / 100 * len(ordered)))) - 1]


async def push(app: App, events: Iterable[MessageReceived], count: int, concurrency: int) -> dict[str, Any]:
    """Push `count` events through app.pipeline.process with at most `concurrency` in flight (a closed loop:
    each of `concurrency` workers sends its next event when the previous one returned); time each one from
    the call to its return, when its effects are committed."""
    process = app.pipeline.process
    latencies = [0.0] * count
    outcomes: Counter[str] = Counter()
    todo = enumerate(events)
    clock = time.perf_counter
    writer_before = writer_stats(app)

    async def worker() -> None:
        for index, event in todo:
            t0 = clock()
            outcome = await process(event)
            latencies[index] = clock() - t0
            outcomes[outcome.value] += 1

    cpu = time.process_time()
    started = clock()
    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, count)))))
    wall = clock() - started
    cpu = time.process_time() - cpu
    latencies.sort()
    ms = 1000.0
    result: dict[str, Any] = {
        "events": count,
        "wall_s": round(wall, 3),
        "events_per_s": round(count / wall) if wall else 0,
        "latency_ms": {
            "p50": round(percentile(latencies, 50) * ms, 3),
            "p95": round(percentile(latencies, 95) * ms, 3),
            "p99": round(percentile(latencies, 99) * ms, 3),
            "max": round(latencies[-1] * ms, 3) if latencies else 0.0,
            "mean": round(sum(latencies) / len(latencies) * ms, 3) if latencies else 0.0,
        },
        "cpu_us_per_event": round(cpu / count * 1e6, 1) if count else 0.0,
        "outcomes": dict(outcomes),
    }
    writer_after = writer_stats(app)
    if writer_after:
        batches = writer_after["batches"] - writer_before["batches"]
        written = writer_after["events"] - writer_before["events"]
        result["writer_batches"] = batches
        result["writer_mean_batch"] = round(written / batches, 1) if batches else 0.0
    return result


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        async def count(stmt: Any) -> int:
            return int((await conn.execute(stmt)).scalar_one())

        return {
            "outbox": await count(select(func.count()).select_from(Outbox)),
            "processed_events": await count(select(func.count()).select_from(ProcessedEvent)),
            "activity": await count(select(func.count()).select_from(Activity)),
            "members_with_last_active_at": await count(
                select(func.count()).select_from(Member).where(Member.last_active_at.is_not(None))),
            "outbox_sent": await count(select(func.count()).select_from(Outbox).where(Outbox.status == "sent")),
        }


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in ("outbox", "processed_events", "activity")}


async def drain(app: App, seconds: float) -> dict[str, Any]:
    """Let the outbox sender deliver for up to `seconds`; its rate is delivery, not handling."""
    before = (await row_counts(app.engine))["outbox_sent"]
    pending_total = (await row_counts(app.engine))["outbox"] - before
    app.sender.start()
    started = time.perf_counter()
    sent = 0
    while time.perf_counter() - started < seconds:
        await asyncio.sleep(0.25)
        sent = (await row_counts(app.engine))["outbox_sent"] - before
        if sent >= pending_total:
            break
    elapsed = time.perf_counter() - started
    await app.sender.stop()
    return {"pending_at_start": pending_total, "sent": sent, "seconds": round(elapsed, 3),
            "messages_per_s": round(sent / elapsed) if elapsed else 0}


def writer_stats(app: App) -> dict[str, int]:
    stats = getattr(app.writer, "stats", None)
    return dict(stats) if isinstance(stats, dict) else {}


async def run_database(url: str, opts: argparse.Namespace) -> dict[str, Any]:
    app = make_app(url, opts.handler)
    text = HANDLERS[opts.handler][0]
    schema = await create_schema(url, app.engine, opts.schema)
    await start_handling_only(app)
    result: dict[str, Any] = {"database": app.engine.dialect.name, "driver": app.engine.dialect.driver,
                              "schema": schema}
    n, members = opts.events, opts.members
    try:
        users = await seed_members(app, members)
        gc.collect()
        if opts.new_members:
            newcomers = [f"n{i:04d}" for i in range(opts.new_members)]
            result["first_sight"] = await push(app, make_events(app, newcomers, len(newcomers), "first", text),
                                               len(newcomers), opts.concurrency)
        result["warmup"] = await push(app, make_events(app, users, members, "warm", text), members, opts.concurrency)
        before = await row_counts(app.engine)
        result["main"] = main = await push(app, make_events(app, users, n, "main", text), n, opts.concurrency)
        after = await row_counts(app.engine)
        new = delta(after, before)
        result["persisted"] = {
            **new,
            "members_with_last_active_at": after["members_with_last_active_at"],
            "all_persisted": all(v == n for v in new.values())
            and after["members_with_last_active_at"] == members + opts.new_members,
        }
        result["meets_target"] = {
            "target": f">= {TARGET_EVENTS_PER_S} events/s, p99 < {TARGET_P99_MS} ms, everything persisted",
            "met": main["events_per_s"] >= TARGET_EVENTS_PER_S and main["latency_ms"]["p99"] < TARGET_P99_MS
            and result["persisted"]["all_persisted"],
        }
        same = await push(app, make_events(app, users, n, "main", text), n, opts.concurrency)
        after_same = await row_counts(app.engine)
        result["duplicates_same_app"] = {**same, "new_rows": delta(after_same, after)}
    finally:
        await app.stop()

    other = make_app(url, opts.handler)
    await start_handling_only(other)
    try:
        again = await push(other, make_events(other, users, n, "main", text), n, opts.concurrency)
        after_other = await row_counts(other.engine)
        result["duplicates_fresh_app"] = {**again, "new_rows": delta(after_other, after_same)}
        result["duplicates_zero_new_rows"] = not any(result["duplicates_same_app"]["new_rows"].values()) and \
            not any(result["duplicates_fresh_app"]["new_rows"].values())
        if opts.drain_seconds > 0:
            result["outbox_drain"] = await drain(other, opts.drain_seconds)
    finally:
        await other.stop()
    return result


# --- entry point -------------------------------------------------------------------------------------------
def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object")
    parser.add_argument("--events", type=int, default=50_000, help="events in the main phase (50,000)")
    parser.add_argument("--concurrency", type=int, default=64, help="events in flight at once (64)")
    parser.add_argument("--members", type=int, default=1_000, help="seeded members (1,000)")
    parser.add_argument("--handler", choices=sorted(HANDLERS), default="help",
                        help="help: the real help command (default); one-line: a bench command replying one line")
    parser.add_argument("--new-members", type=int, default=1_000,
                        help="people first seen in the first_sight phase, each becoming a member (1,000; 0: skip)")
    parser.add_argument("--pg", "--database-url", dest="pg", default=None,
                        help="also run on PostgreSQL: a URL to the server (default: $DATABASE_URL if it is one); "
                             f"a database {BENCH_DB!r} is created there and dropped afterwards")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database afterwards")
    parser.add_argument("--drain-seconds", type=float, default=3.0,
                        help="how long to let the outbox sender deliver afterwards, for its rate (3; 0: skip)")
    parser.add_argument("--schema", choices=("create_all", "migrate"), default="create_all",
                        help="create the tables from the models (default) or by running the migrations")
    opts = parser.parse_args(list(argv))
    if opts.pg is None:
        env = os.environ.get("DATABASE_URL", "")
        opts.pg = env if env.startswith("postgres") else None
    return opts


async def run(opts: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "benchmark": "pipeline",
        "events": opts.events,
        "concurrency": opts.concurrency,
        "members": opts.members,
        "handler": HANDLERS[opts.handler][1],
        "new_members": opts.new_members,
        "identity": "timed apart from the main phase: first_sight (people never seen, each made a member on the "
                    "way) and warmup (one event per seeded member, read from the database into the cache); "
                    "the main phase is all identity cache hits, as in steady state",
        "latency": "per event, from the call of app.pipeline.process to its return, when the event's effects "
                   "(de-duplication key, outbox row, activity row, last_active_at) are committed",
        "durable_on_return": True,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "implementation": platform.python_implementation(),
                    # Other work on the machine skews every figure: look at this before comparing runs.
                    "load_average_1m_at_start": round(os.getloadavg()[0], 2)},
    }
    if not opts.no_sqlite:
        async with sqlite_database() as url:
            out["sqlite"] = await run_database(url, opts)
    if opts.pg:
        async with postgres_database(opts.pg, BENCH_DB, keep=opts.keep) as url:
            out["postgresql"] = await run_database(url, opts)
    return out


def human(out: dict[str, Any]) -> str:
    lines = [f"pipeline: {out['events']} events, concurrency {out['concurrency']}, {out['members']} members",
             f"handler: {out['handler']}",
             f"load average at start: {out['machine']['load_average_1m_at_start']} ({out['machine']['cpus']} cpus)"]
    for name in ("sqlite", "postgresql"):
        res = out.get(name)
        if res is None:
            continue
        lines.append(f"\n{name} ({res['driver']}, schema by {res['schema']})")
        for phase in ("first_sight", "warmup", "main", "duplicates_same_app", "duplicates_fresh_app"):
            if phase not in res:
                continue
            p = res[phase]
            lat = p["latency_ms"]
            lines.append(f"  {phase:<22} {p['events_per_s']:>8} events/s  p50 {lat['p50']:.2f} ms  "
                         f"p95 {lat['p95']:.2f}  p99 {lat['p99']:.2f}  max {lat['max']:.2f}  {p['outcomes']}")
        lines.append(f"  persisted (main): {res['persisted']}")
        lines.append(f"  duplicates left zero new rows: {res['duplicates_zero_new_rows']}")
        lines.append(f"  meets the target ({res['meets_target']['target']}): {res['meets_target']['met']}")
        if "outbox_drain" in res:
            lines.append(f"  outbox drain: {res['outbox_drain']}")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    opts = parse(argv)
    logging.basicConfig(level=logging.ERROR)
    out = asyncio.run(run(opts))
    print(json.dumps(out) if opts.json else human(out))
    ok = all(out[db]["persisted"]["all_persisted"] and out[db]["duplicates_zero_new_rows"]
             for db in ("sqlite", "postgresql") if db in out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
