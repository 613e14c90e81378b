"""Slack's 3 seconds: a slash command, a button click and an event whose handlers take 4 seconds are all
acknowledged in time (the fake gives up after 3 s, as Slack does, and records it), and their effects still
arrive once the handlers finish."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.context import Context
from bot.events import MemberJoined
from tests.contract.harness import wait_for
from tests.contract.slack_harness import SlackHarness, harness

SLOW = 4.0


@pytest.fixture
async def h(database_url: str, engine: AsyncEngine) -> AsyncIterator[SlackHarness]:
    async with harness(database_url, engine) as started:
        yield started


async def test_slow_handlers_are_acknowledged_in_time_and_still_answered(h: SlackHarness) -> None:
    router = h.app.router

    @router.command("lent")
    async def slow_command(ctx: Context) -> None:
        await asyncio.sleep(SLOW)
        ctx.reply("slow command done")

    @router.action("lent")
    async def slow_click(ctx: Context) -> None:
        await asyncio.sleep(SLOW)
        ctx.reply("slow click done")

    @router.on(MemberJoined)
    async def slow_join(ctx: Context) -> None:
        await asyncio.sleep(SLOW)

    command, click, join = await asyncio.gather(
        h.fake.command("U200", "lent"),
        h.fake.action("U201", "lent|x"),
        h.fake.event({"type": "team_join", "user": {"id": "U202", "name": "slow"}}),
    )
    for delivery in (command, click, join):
        assert delivery.in_time and delivery.status == 200, delivery

    await wait_for(h, lambda s: s.text == "slow command done" and s.user == "U200", timeout=15)
    await wait_for(h, lambda s: s.text == "slow click done" and s.user == "U201", timeout=15)
    await wait_for(h, lambda s: s.kind == "dm" and s.user == "U202", timeout=15)  # the welcome, late
