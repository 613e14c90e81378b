"""The pipeline end to end on the real store: exactly-once effects, permissions, fallbacks, bad input."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.context import Context
from bot.events import ConversationRef, MessageReceived, Sender
from bot.pipeline import Outcome
from bot.replies import Visibility
from bot.store.models import Activity, Member, Outbox, ProcessedEvent
from bot.testing import BotTester


async def count(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def test_same_event_twice_has_one_effect(bot: BotTester, engine: AsyncEngine) -> None:
    first = await bot.say("aide", as_="alice", event_id="Ev1")
    again = await bot.say("aide", as_="alice", event_id="Ev1")
    assert len(first) == 1 and again == []
    assert bot.last_outcome is Outcome.DUPLICATE
    assert await count(engine, Outbox) == 1
    assert await count(engine, Activity) == 1
    assert await count(engine, ProcessedEvent) == 1


async def test_duplicate_after_restart_has_no_effect(database_url: str, engine: AsyncEngine,
                                                     clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine) as bot:
        assert len(await bot.say("aide", event_id="Ev-restart")) == 1
    # A new process: empty memory, same database (Slack retrying after a crash, say).
    async with BotTester.create(database_url, clock=clock) as bot2:
        assert await bot2.say("aide", event_id="Ev-restart") == []
        assert bot2.last_outcome is Outcome.DUPLICATE
    assert await count(engine, Outbox) == 1


async def test_two_processes_racing_on_one_delivery_leave_one_effect(database_url: str, engine: AsyncEngine,
                                                                     clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine) as a, \
            BotTester.create(database_url, clock=clock) as b:
        await a.say("aide", as_="zoe", event_id="warm-a")  # both know zoe already
        await b.say("aide", as_="zoe", event_id="warm-b")
        outcomes = await asyncio.gather(*(t.app.pipeline.process(_msg("race", "langue fr")) for t in (a, b)))
        assert sorted(outcomes) == sorted([Outcome.HANDLED, Outcome.DUPLICATE])
    async with engine.connect() as conn:
        keys = (await conn.execute(select(Outbox.idempotency_key).where(Outbox.idempotency_key.like("test:race%"))))
        assert len(keys.all()) == 1


def _msg(event_id: str, text: str, user: str = "zoe") -> MessageReceived:
    return MessageReceived(platform="test", event_id=event_id, ref=ConversationRef("test", "T1", f"D-{user}", user,
                           is_dm=True), sender=Sender(user, user.capitalize()), ts=ManualClock().now(), text=text)


async def test_activity_is_recorded_without_contents(bot: BotTester, engine: AsyncEngine,
                                                     clock: ManualClock) -> None:
    await bot.say("something private about my dues", as_="alice", channel="C1")
    async with engine.connect() as conn:
        row = (await conn.execute(select(Activity))).one()
        member = (await conn.execute(select(Member))).one()
    assert row.kind == "message" and row.platform == "test"
    assert "private" not in repr(row)
    assert member.last_active_at is not None


async def test_channel_chatter_not_addressed_to_the_bot_is_silent(bot: BotTester) -> None:
    assert await bot.say("bonjour tout le monde", as_="alice", channel="C1") == []
    assert await bot.say("aide", as_="alice", channel="C1") == []  # not addressed to the bot
    replies = await bot.say("aide", as_="alice", channel="C1", mention=True)
    assert len(replies) == 1 and replies[0].message.channel_id == "C1"


async def test_facilitator_only_command_refused_in_core(bot: BotTester, database_url: str,
                                                        clock: ManualClock) -> None:
    ran: list[int] = []

    @bot.app.router.command("secret-op", role="facilitator")
    async def secret(ctx: Context) -> None:
        ran.append(1)
        ctx.reply("done")

    replies = await bot.command("secret-op", as_="mallory")
    assert ran == [] and "réservée aux animateurs" in replies[0].text
    async with BotTester.create(database_url, clock=clock, AGORA_FACILITATORS="test:fatou") as boss:
        boss.app.router.command("secret-op", role="facilitator")(secret)
        replies = await boss.command("secret-op", as_="fatou")
        assert ran == [1] and replies[0].text == "done"


async def test_ephemeral_falls_back_to_dm_when_platform_has_none(bot: BotTester) -> None:
    @bot.app.router.command("whisper")
    async def whisper(ctx: Context) -> None:
        ctx.ephemeral("psst")
        ctx.reply("in thread", visibility=Visibility.THREAD)

    bot.adapter.capabilities = type(bot.adapter.capabilities)(ephemeral=False, threads=True)
    bot.app.services.capabilities["test"] = bot.adapter.capabilities
    replies = await bot.command("whisper", as_="alice", channel="C1")
    by_text = {r.text: r for r in replies}
    assert by_text["psst"].visibility == "dm" and by_text["in thread"].visibility == "thread"
    assert by_text["psst"].message.user_id == "alice" and by_text["psst"].message.channel_id is None


async def test_handler_crash_is_answered_politely_and_bot_goes_on(bot: BotTester) -> None:
    @bot.app.router.command("boom")
    async def boom(ctx: Context) -> None:
        raise ZeroDivisionError

    replies = await bot.command("boom", as_="alice")
    assert "problème" in replies[0].text
    assert "Voici" in (await bot.say("aide", as_="alice"))[0].text
