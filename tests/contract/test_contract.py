"""One suite of scenarios, run against every adapter through a fake of its platform (see harness.py).

Each platform module in this folder provides an async context manager `harness(database_url, engine)`
yielding a started Harness; the `platform` fixture below parametrises the suite over them.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.contract.harness import Harness, settle, wait_for

PLATFORMS = ["slack", "discord", "telegram"]


@pytest.fixture(params=PLATFORMS)
async def h(request: pytest.FixtureRequest, database_url: str, engine: AsyncEngine) -> AsyncIterator[Harness]:
    module = importlib.import_module(f"tests.contract.{request.param}_harness")
    async with module.harness(database_url, engine) as started:
        yield started


async def test_join_gets_a_welcome_dm(h: Harness) -> None:
    await h.join("U100")
    sent = await wait_for(h, lambda s: s.kind == "dm" and s.user == "U100")
    assert "Bienvenue" in sent.text


async def test_command_gets_a_reply(h: Harness) -> None:
    await h.command("U101", "aide")
    sent = await wait_for(h, lambda s: "Voici ce que je peux faire" in s.text)
    assert sent.kind in ("ephemeral", "interaction", "dm", "channel")


async def test_button_reaches_its_handler(h: Harness) -> None:
    await h.command("U102", "langue")
    offer = await wait_for(h, lambda s: len(s.action_ids) == 2)
    english = next(a for a in offer.action_ids if a.endswith("|en"))
    await h.click("U102", english)
    await wait_for(h, lambda s: "in English from now on" in s.text)


async def test_thread_reply_stays_in_the_thread(h: Harness) -> None:
    await h.message("U103", "aide", channel="C1", thread="TH1", mention=True)
    sent = await wait_for(h, lambda s: "Voici ce que je peux faire" in s.text)
    assert sent.thread == "TH1" or (sent.kind == "thread" and sent.channel == "TH1")


async def test_dm_refused_falls_back_to_a_channel_mention(h: Harness) -> None:
    h.refuse_dms("U104")
    await h.join("U104")
    notice = await wait_for(h, lambda s: s.kind in ("channel", "thread") and s.channel == h.fallback_channel)
    assert "U104" in notice.text
    await settle(h)
    assert not any(s.kind == "dm" and s.user == "U104" for s in h.sent)


async def test_duplicate_delivery_has_one_effect(h: Harness) -> None:
    await h.command("U105", "aide")
    await wait_for(h, lambda s: "Voici ce que je peux faire" in s.text)
    await h.redeliver_last()
    await settle(h)
    assert sum("Voici ce que je peux faire" in s.text for s in h.sent) == 1


async def test_rate_limited_send_is_retried_and_delivered(h: Harness) -> None:
    h.rate_limit(count=1, retry_after=0.5)
    await h.join("U106")
    await wait_for(h, lambda s: s.kind == "dm" and s.user == "U106")


async def test_forged_request_is_refused_without_effect(h: Harness) -> None:
    status = await h.forged()
    assert status in (401, 403)
    await settle(h)
    assert await h.forged_effect_count() == 0
