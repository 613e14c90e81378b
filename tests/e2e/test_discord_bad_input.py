"""Bad input from the gateway: unknown events, payloads discord.py cannot parse, broken frames, huge messages
and odd Unicode are logged and ignored or answered politely, and the adapter keeps running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord_bot import DiscordAdapter
from bot.composition import build_app
from tests.contract.discord_harness import DiscordHarness, discord_settings, harness
from tests.contract.harness import wait_for
from tests.fakes.discord_fake import DiscordFake

HELP_FR = "Voici ce que je peux faire"


@pytest.fixture
async def dh(database_url: str, engine: AsyncEngine) -> AsyncIterator[DiscordHarness]:
    async with harness(database_url, engine) as running:
        yield running


async def still_answers(dh: DiscordHarness, user: str) -> None:
    await dh.fake.wait_connected()
    await dh.message(user, "aide")
    await wait_for(dh, lambda s: s.user == user and HELP_FR in s.text, timeout=15)


async def test_unknown_event_types_and_op_codes_are_ignored(dh: DiscordHarness) -> None:
    await dh.fake.dispatch("SOMETHING_NEW", {"id": "1", "whatever": [1, 2]})
    await dh.fake.send_raw('{"op": 42, "d": null}')
    # An interaction type the bot never registers for.
    interaction = dh.fake.interaction_payload("U700", 9, {"custom_id": "x"})
    await dh.fake.dispatch("INTERACTION_CREATE", interaction)
    await still_answers(dh, "U700")
    assert len(dh.fake.identifies) == 1  # nothing needed a new connection
    assert dh.fake.interactions[int(interaction["id"])].callback_type is None


@pytest.mark.parametrize("frame", [
    '{"op": 0, "t": "MESSAGE_CREATE", "s": 99, "d": {"id": "5", "channel_id": "6"}}',  # no author, no content
    '{"op": 0, "t": "INTERACTION_CREATE", "s": 99, "d": {"id": "5", "type": 2}}',  # no token, no application
    "this is not json {",
])
async def test_a_payload_discord_py_cannot_parse_costs_a_reconnection_not_the_bot(dh: DiscordHarness,
                                                                                  frame: str) -> None:
    await dh.fake.send_raw(frame)
    await dh.fake.wait_disconnected()
    await still_answers(dh, "U701")
    assert len(dh.fake.identifies) == 2


async def test_a_huge_message_is_handled(dh: DiscordHarness) -> None:
    await dh.message("U702", "aide " + "x" * 200_000)
    answer = await wait_for(dh, lambda s: s.user == "U702")
    assert answer.kind == "dm"


async def test_odd_unicode_is_answered_politely(dh: DiscordHarness) -> None:
    odd = "\x00\u202e\u200b\ud800 e\u0301 🧑🏽‍🚀 \U0010ffff"
    await dh.message("U703", odd)
    await wait_for(dh, lambda s: s.user == "U703" and s.kind == "dm")
    await dh.command("U704", odd, args=odd)
    await wait_for(dh, lambda s: s.user == "U704" and s.kind == "interaction")
    await still_answers(dh, "U705")


@pytest.mark.parametrize("code", [4014, 4004])  # privileged intents not enabled; authentication failed
async def test_a_gateway_refusal_for_configuration_is_logged_once_not_retried(
        database_url: str, engine: AsyncEngine, caplog: pytest.LogCaptureFixture, code: int) -> None:
    fake = DiscordFake(refuse_identify=code)
    await fake.start()
    settings = discord_settings(database_url, fake)
    adapter = DiscordAdapter(settings=settings, connect_timeout=0.5)
    app = build_app(settings, engine=engine, adapters=[adapter])
    try:
        await app.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not any(r.getMessage().startswith("discord gateway refused") for r in caplog.records):
            assert loop.time() < deadline, "no error logged"
            await asyncio.sleep(0.02)
        await asyncio.sleep(1.5)  # longer than the first reconnection backoff
        assert len(fake.identifies) == 1
    finally:
        await app.stop()
        await fake.stop()


async def test_a_bad_token_fails_the_start(database_url: str, engine: AsyncEngine) -> None:
    fake = DiscordFake()
    await fake.start()
    try:
        adapter = DiscordAdapter(settings=discord_settings(database_url, fake, DISCORD_BOT_TOKEN="wrong"))
        with pytest.raises(discord.LoginFailure):
            await adapter.start(lambda event: asyncio.sleep(0))
        assert fake.identifies == [] and [c.status for c in fake.calls] == [401]
        await adapter.stop()
    finally:
        await fake.stop()
