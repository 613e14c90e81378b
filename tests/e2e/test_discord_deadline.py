"""Discord's 3 seconds: an interaction is acknowledged (deferred) in time whatever the handler does, and the
answer still arrives as a follow-up. The fake enforces the deadline as Discord does: a late callback is
refused with "Unknown interaction", and so is a follow-up on an interaction that was never acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.context import Context
from tests.contract.discord_harness import DiscordHarness, harness
from tests.contract.harness import settle, wait_for

SLOW = 4.0  # longer than Discord's 3 s deadline


@pytest.fixture
async def dh(database_url: str, engine: AsyncEngine) -> AsyncIterator[DiscordHarness]:
    async with harness(database_url, engine) as running:
        yield running


def add_slow_command(h: DiscordHarness) -> None:
    @h.app.router.command("lent")
    async def slow(ctx: Context) -> None:
        await asyncio.sleep(SLOW)
        ctx.reply("slow answer")


async def test_slow_command_over_the_gateway_is_deferred_in_time_and_answered_by_follow_up(
        dh: DiscordHarness) -> None:
    add_slow_command(dh)
    iid = await dh.fake.command("U300", "lent")
    answer = await wait_for(dh, lambda s: s.text == "slow answer", timeout=SLOW + 10)
    interaction = dh.fake.interactions[iid]
    assert interaction.callback_type == 5  # deferred, "thinking"
    assert interaction.acked_in_time and interaction.late_callbacks == 0
    assert answer.kind == "interaction" and answer.user == "U300"
    followup = next(c for c in dh.fake.calls if c.path.startswith("/webhooks/") and c.status < 300)
    assert followup.json["flags"] == 64  # visible to the member who asked only


async def test_slow_command_over_http_interactions_is_answered_in_time(dh: DiscordHarness) -> None:
    add_slow_command(dh)
    payload = dh.fake.interaction_payload("U301", 2, dh.fake.command_data("agora", {"command": "lent"}))
    status, body = await dh.fake.post_interaction(dh.endpoint, payload)
    assert status == 200 and body == {"type": 5, "data": {"flags": 64}}
    assert dh.fake.interactions[int(payload["id"])].acked_in_time
    answer = await wait_for(dh, lambda s: s.text == "slow answer", timeout=SLOW + 10)
    assert answer.kind == "interaction" and answer.user == "U301"


async def test_button_press_is_deferred_as_an_update(dh: DiscordHarness) -> None:
    iid = await dh.fake.click("U302", "language.set|en")
    await wait_for(dh, lambda s: "in English from now on" in s.text)
    assert dh.fake.interactions[iid].callback_type == 6


async def test_a_deferral_discord_refused_still_gets_the_answer_to_the_member(dh: DiscordHarness) -> None:
    """When the deferral is refused (here: the fake's deadline is already over), there is no interaction to
    follow up on: the answer goes to the channel instead, and nothing is sent on the dead token."""
    dh.fake.deadline = 0.0
    iid = await dh.fake.command("U303", "aide")
    answer = await wait_for(dh, lambda s: "Voici ce que je peux faire" in s.text)
    assert answer.kind == "channel" and answer.channel == "C1"
    assert dh.fake.interactions[iid].late_callbacks == 1
    await settle(dh)
    assert not any(c.path.startswith("/webhooks/") for c in dh.fake.calls)
