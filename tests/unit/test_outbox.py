"""The outbox sender under faults, on the real database: ordering, 429 pauses, backoff and its limit, closed DMs,
crashed workers' leases, and two senders sharing one queue."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock, utc
from bot.i18n import Catalogs
from bot.markup import to_plain
from bot.outbox.sender import OutboxSender, SenderOptions
from bot.ports import PermanentFailure, RetryLater, TransientFailure
from bot.store.db import create_engine
from bot.store.models import Outbox, PlatformAccount, Workspace
from bot.testing import BotTester, TestAdapter


def outbox_row(key: str, now: datetime, *, platform: str = "test", channel: str | None = "C1",
               user: str | None = None, visibility: str = "channel", **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "community_id": 1, "idempotency_key": key, "platform": platform, "workspace_id": "T1",
        "channel_id": channel, "user_id": user, "thread_id": None, "member_id": None, "visibility": visibility,
        "text": f"message {key}", "buttons": [], "status": "pending", "attempts": 0, "next_attempt_at": now,
        "claimed_until": None, "created_at": now,
    }
    row.update(values)
    return row


async def insert_rows(engine: AsyncEngine, rows: list[dict[str, Any]]) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(Outbox), rows)


async def stored(engine: AsyncEngine) -> dict[str, Any]:
    """Outbox rows by idempotency key."""
    async with engine.connect() as conn:
        return {r.idempotency_key: r for r in await conn.execute(select(Outbox).order_by(Outbox.id))}


def sender_for(engine: AsyncEngine, clock: ManualClock, *adapters: TestAdapter, **options: Any) -> OutboxSender:
    return OutboxSender(engine, {a.platform: a for a in adapters}, clock, SenderOptions(**options))


def keys(adapter: TestAdapter) -> list[str]:
    return [d.message.idempotency_key for d in adapter.sent]


async def test_rows_are_delivered_in_id_order(engine: AsyncEngine, clock: ManualClock) -> None:
    now = clock.now()
    # Two conversations, interleaved; created_at runs backwards so that only the id can give the order.
    rows = [outbox_row(f"k{i:02d}", now, channel=f"C{i % 2}", created_at=now - timedelta(seconds=i))
            for i in range(30)]
    await insert_rows(engine, rows)
    adapter = TestAdapter()
    await sender_for(engine, clock, adapter, batch=7).drain()

    for channel in ("C0", "C1"):
        delivered = [d.message.idempotency_key for d in adapter.sent if d.message.channel_id == channel]
        assert delivered == [r["idempotency_key"] for r in rows if r["channel_id"] == channel]
    after = await stored(engine)
    assert sorted(keys(adapter)) == sorted(after)
    assert {(r.status, r.attempts, r.claimed_until) for r in after.values()} == {("sent", 1, None)}
    assert all(r.external_id for r in after.values())


async def test_rate_limit_keeps_the_row_pending_and_pauses_only_that_platform(engine: AsyncEngine,
                                                                              clock: ManualClock) -> None:
    now = clock.now()
    await insert_rows(engine, [outbox_row("a1", now), outbox_row("a2", now), outbox_row("a3", now),
                               outbox_row("b1", now, platform="other")])
    limited, other = TestAdapter(failures=[RetryLater(5)]), TestAdapter(platform="other")
    sender = sender_for(engine, clock, limited, other)

    await sender.run_once()

    rows = await stored(engine)
    assert rows["a1"].status == "pending" and rows["a1"].attempts == 0 and rows["a1"].last_error == "429"
    assert utc(rows["a1"].next_attempt_at) == now + timedelta(seconds=5)
    # The rest of the batch went back to the queue untouched, not lost in `sending`.
    assert [(rows[k].status, rows[k].claimed_until) for k in ("a2", "a3")] == [("pending", None)] * 2
    assert limited.sent == []
    assert sender.pacers["test"].paused_for() > 0
    assert await sender.run_once("test") == 0, "a paused platform claims nothing, even rows that are due"
    assert limited.sent == []
    # Another platform is not held back.
    assert keys(other) == ["b1"] and rows["b1"].status == "sent"
    assert sender.pacers["other"].paused_for() == 0


async def test_rate_limited_row_is_delivered_when_its_time_comes(engine: AsyncEngine, clock: ManualClock) -> None:
    now = clock.now()
    await insert_rows(engine, [outbox_row("r1", now)])
    adapter = TestAdapter(failures=[RetryLater(0.05)])
    sender = sender_for(engine, clock, adapter)

    await sender.run_once()
    assert utc((await stored(engine))["r1"].next_attempt_at) == now + timedelta(seconds=0.05)
    await asyncio.sleep(sender.pacers["test"].paused_for())  # the platform-wide pause is wall-clock time

    await sender.drain()
    assert adapter.sent == [], "not before its next_attempt_at"
    clock.advance(0.05)
    await sender.drain()
    assert keys(adapter) == ["r1"]
    row = (await stored(engine))["r1"]
    assert (row.status, row.attempts) == ("sent", 1)


async def test_transient_failures_back_off_then_give_up(engine: AsyncEngine, clock: ManualClock) -> None:
    await insert_rows(engine, [outbox_row("t1", clock.now())])
    adapter = TestAdapter(failures=[TransientFailure("503") for _ in range(5)])
    sender = sender_for(engine, clock, adapter, max_attempts=3, base_backoff=2.0)

    for attempt, nominal in ((1, 2.0), (2, 4.0)):
        assert await sender.run_once() == 1
        row = (await stored(engine))["t1"]
        assert (row.status, row.attempts, row.last_error) == ("pending", attempt, "TransientFailure")
        delay = (utc(row.next_attempt_at) - clock.now()).total_seconds()
        assert nominal * 0.8 <= delay <= nominal * 1.2  # exponential, with jitter
        assert await sender.run_once() == 0, "no retry before the backoff has passed"
        clock.set(utc(row.next_attempt_at))

    assert await sender.run_once() == 1
    row = (await stored(engine))["t1"]
    assert (row.status, row.attempts) == ("failed", 3)
    clock.advance(days=30)
    assert await sender.run_once() == 0
    assert len(adapter.failures) == 2, "exactly max_attempts sends were tried"
    assert adapter.sent == []


async def test_transient_failures_then_success_deliver_once(engine: AsyncEngine, clock: ManualClock) -> None:
    await insert_rows(engine, [outbox_row("t2", clock.now())])
    adapter = TestAdapter(failures=[TransientFailure("timeout")])
    sender = sender_for(engine, clock, adapter, max_attempts=5)

    await sender.run_once()
    adapter.failures.append(RuntimeError("connection reset"))  # type: ignore[arg-type]  # unexpected errors too
    clock.advance(minutes=1)
    await sender.run_once()
    assert (await stored(engine))["t2"].last_error == "RuntimeError"
    clock.advance(minutes=1)
    await sender.drain()
    row = (await stored(engine))["t2"]
    assert (row.status, row.attempts) == ("sent", 3)
    assert keys(adapter) == ["t2"]


async def test_permanent_failure_is_not_retried(engine: AsyncEngine, clock: ManualClock) -> None:
    await insert_rows(engine, [outbox_row("p1", clock.now())])
    adapter = TestAdapter(failures=[PermanentFailure("channel_not_found")])
    sender = sender_for(engine, clock, adapter)
    await sender.run_once()
    clock.advance(days=1)
    assert await sender.run_once() == 0
    row = (await stored(engine))["p1"]
    assert (row.status, row.last_error) == ("failed", "channel_not_found")
    assert adapter.sent == []


@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_closed_dm_marks_the_member_unreachable_and_tells_them_in_the_fallback_channel(
        bot: BotTester, engine: AsyncEngine, locale: str) -> None:
    await bot.say("aide", as_="alice")  # the workspace exists from the first event on
    async with engine.begin() as conn:
        await conn.execute(update(Workspace).where(Workspace.platform == "test", Workspace.external_id == "T1")
                           .values(fallback_channel_id="C-lobby"))

    bot.adapter.failures.append(PermanentFailure("dm_closed", unreachable=True))
    seen = await bot.join("bob", locale=locale)  # the welcome DM is refused

    expected = to_plain(Catalogs().translate(locale, "outbox.dm_fallback", mention="@[bob]"))
    assert [(d.message.channel_id, d.visibility, d.text) for d in seen] == [("C-lobby", "channel", expected)]
    assert "@bob" in expected
    async with engine.connect() as conn:
        account = (await conn.execute(select(PlatformAccount).where(PlatformAccount.external_user_id == "bob"))).one()
    assert utc(account.unreachable_at) == bot.clock.now()
    welcome = [r for r in (await stored(engine)).values() if r.user_id == "bob" and r.visibility == "dm"]
    assert [(r.status, r.last_error) for r in welcome] == [("failed", "dm_closed")]

    # Later DMs to bob are not attempted at all (nothing is delivered, and no second notice either).
    assert await bot.say("aide", as_="bob") == []
    dms = [r for r in (await stored(engine)).values() if r.user_id == "bob" and r.visibility == "dm"]
    assert [(r.status, r.last_error) for r in dms] == [("failed", "dm_closed"), ("failed", "unreachable")]
    # Other members are not affected.
    assert len(await bot.say("aide", as_="alice")) == 1


async def test_rows_of_a_crashed_worker_come_back_after_their_lease(engine: AsyncEngine, clock: ManualClock) -> None:
    now = clock.now()
    await insert_rows(engine, [
        outbox_row("expired", now, status="sending", claimed_until=now - timedelta(seconds=1)),
        outbox_row("leased", now, status="sending", claimed_until=now + timedelta(seconds=30)),
        outbox_row("fresh", now),
    ])
    adapter = TestAdapter()
    sender = sender_for(engine, clock, adapter)

    await sender.drain()
    assert keys(adapter) == ["expired", "fresh"]
    assert (await stored(engine))["leased"].status == "sending", "a live lease is respected"
    clock.advance(31)
    await sender.drain()
    assert keys(adapter) == ["expired", "fresh", "leased"]
    assert {r.status for r in (await stored(engine)).values()} == {"sent"}


async def test_two_senders_on_one_database_never_deliver_a_row_twice(database_url: str, engine: AsyncEngine,
                                                                    clock: ManualClock) -> None:
    now = clock.now()
    total = 300
    await insert_rows(engine, [outbox_row(f"s{i:03d}", now, channel=f"C{i % 10}") for i in range(total)])
    other_engine = create_engine(database_url)  # a second process: its own pool and connections
    try:
        first, second = TestAdapter(), TestAdapter()
        a = sender_for(engine, clock, first, batch=7, concurrency=4)
        b = sender_for(other_engine, clock, second, batch=7, concurrency=4)
        await asyncio.gather(a.drain(timeout=60), b.drain(timeout=60))
    finally:
        await other_engine.dispose()

    delivered = keys(first) + keys(second)
    assert len(delivered) == total and len(set(delivered)) == total
    assert first.sent and second.sent, "both senders took part"
    rows = await stored(engine)
    assert {(r.status, r.attempts) for r in rows.values()} == {("sent", 1)}
