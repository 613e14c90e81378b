"""The HTTP Interactions endpoint (POST /discord/interactions, on when DISCORD_PUBLIC_KEY is set): Ed25519
signatures checked over timestamp + body, PING answered with PONG, commands deferred in the response and
answered by follow-up; forged, stale or malformed requests are refused and have no effect."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord_bot import DiscordAdapter
from tests.contract.discord_harness import DiscordHarness, discord_settings, harness
from tests.contract.harness import settle, wait_for
from tests.fakes.discord_fake import DiscordFake

HELP_FR = "Voici ce que je peux faire"


@pytest.fixture
async def dh(database_url: str, engine: AsyncEngine) -> AsyncIterator[DiscordHarness]:
    async with harness(database_url, engine) as running:
        yield running


def posts_of_messages(dh: DiscordHarness) -> int:
    return sum(1 for c in dh.fake.calls if c.method == "POST" and c.status < 300)


async def test_ping_gets_pong(dh: DiscordHarness) -> None:
    status, body = await dh.fake.post_interaction(dh.endpoint, {"id": None, "type": 1, "token": "t",
                                                                "application_id": str(dh.fake.app_id)})
    assert (status, body) == (200, {"type": 1})


async def test_a_signed_command_is_deferred_then_answered_and_a_replay_has_no_second_effect(
        dh: DiscordHarness) -> None:
    payload = dh.fake.interaction_payload("U800", 2, dh.fake.command_data("agora", {"command": "aide"}))
    status, body = await dh.fake.post_interaction(dh.endpoint, payload)
    assert status == 200 and body["type"] == 5
    answer = await wait_for(dh, lambda s: HELP_FR in s.text)
    assert answer.kind == "interaction" and answer.user == "U800"
    await dh.fake.post_interaction(dh.endpoint, payload)  # the same signed request, captured and replayed
    await settle(dh)
    assert sum(HELP_FR in s.text for s in dh.sent) == 1


async def test_a_signed_button_press_is_deferred_as_an_update(dh: DiscordHarness) -> None:
    payload = dh.fake.interaction_payload("U801", 3, {"custom_id": "language.set|en", "component_type": 2})
    status, body = await dh.fake.post_interaction(dh.endpoint, payload)
    assert (status, body) == (200, {"type": 6})
    await wait_for(dh, lambda s: "in English from now on" in s.text)


@pytest.mark.parametrize("how", ["forged", "stale", "unsigned", "tampered"])
async def test_refused_requests_have_no_effect(dh: DiscordHarness, how: str) -> None:
    payload = dh.fake.interaction_payload("U802", 2, dh.fake.command_data("agora", {"command": "aide"}))
    before = posts_of_messages(dh)
    if how == "unsigned":
        async with aiohttp.ClientSession() as session, session.post(dh.endpoint, json=payload) as resp:
            status = resp.status
    elif how == "tampered":  # signed, then the body changed on the way
        status, _ = await dh.fake.post_interaction(dh.endpoint, payload,
                                                   body=json.dumps({**payload, "locale": "en-US"}).encode(),
                                                   sign=json.dumps(payload).encode())
    else:
        stale = str(int(time.time()) - 600) if how == "stale" else None
        status, _ = await dh.fake.post_interaction(dh.endpoint, payload, forge=how == "forged",
                                                   timestamp=stale)
    assert status == 401
    await settle(dh)
    assert posts_of_messages(dh) == before


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"type": 2, "id": "x"}', b'{"type": 9, "id": "1",'
                                  b' "token": "t", "application_id": "1", "user": {"id": "2"}}'])
async def test_signed_nonsense_is_refused_politely(dh: DiscordHarness, body: bytes) -> None:
    before = posts_of_messages(dh)
    status, _ = await dh.fake.post_interaction(dh.endpoint, {"id": None}, body=body)
    assert status == 400
    await settle(dh)
    assert posts_of_messages(dh) == before


async def test_without_a_public_key_there_is_no_endpoint(database_url: str) -> None:
    fake = DiscordFake()
    adapter = DiscordAdapter(settings=discord_settings(database_url, fake, DISCORD_PUBLIC_KEY=None))
    assert adapter.routes() == []
