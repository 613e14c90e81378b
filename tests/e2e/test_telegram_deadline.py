"""Telegram's 3-second window: a button press is answered (answerCallbackQuery) at once, and a webhook
delivery is acknowledged, even when the handler behind them takes longer; the handler's reply still arrives.
The fake enforces the window: it refuses a late answer as Telegram does and records whether it was met."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.context import Context
from tests.contract.harness import wait_for
from tests.contract.telegram_harness import TelegramHarness, harness

SLOW = 4.0  # seconds: longer than the platform's window


def slow_handlers(h: TelegramHarness) -> None:
    """Test-only handlers that take longer than Telegram waits."""

    @h.app.router.action("test.slow")
    async def slow_click(ctx: Context) -> None:
        await asyncio.sleep(SLOW)
        ctx.reply("slow click done")

    @h.app.router.command("lentement")
    async def slow_command(ctx: Context) -> None:
        await asyncio.sleep(SLOW)
        ctx.reply("slow command done")


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_button_press_is_answered_in_time_while_its_handler_is_slow(
        database_url: str, engine: AsyncEngine, mode: str) -> None:
    async with harness(database_url, engine, mode=mode) as h:
        slow_handlers(h)
        press = h.updates.click("U200", "test.slow|1")
        await h.push(press)
        done = await wait_for(h, lambda s: s.text == "slow click done", timeout=SLOW + 10)
        assert done.kind == "channel" and done.channel == "C1"
        record = h.fake.callbacks[press["callback_query"]["id"]]
        assert record.met, "answerCallbackQuery came after Telegram's 3 s"
        assert [c.status for c in h.fake.calls_to("answerCallbackQuery")] == [200]
        if mode == "webhook":
            assert [d.met for d in h.fake.deliveries] == [True]


async def test_a_slow_command_does_not_hold_the_webhook_answer_nor_the_next_update(database_url: str,
                                                                                 engine: AsyncEngine) -> None:
    async with harness(database_url, engine, mode="webhook") as h:
        slow_handlers(h)
        await h.command("U201", "lentement")
        await h.command("U202", "aide")
        helped = await wait_for(h, lambda s: "Voici ce que je peux faire" in s.text)
        assert not any(s.text == "slow command done" for s in h.sent), "the quick one went first"
        assert helped.channel == "C1"
        await wait_for(h, lambda s: s.text == "slow command done", timeout=SLOW + 10)
        assert [d.status for d in h.fake.deliveries] == [200, 200]
        assert all(d.met for d in h.fake.deliveries)
