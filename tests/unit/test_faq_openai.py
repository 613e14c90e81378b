"""The optional OpenAI path, with the real openai SDK against a fake OpenAI-compatible server on 127.0.0.1:
a composed answer cites its entry; a timeout or an error falls back to the offline answer unnoticed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.faq.openai_path import AnswerComposer, Source
from bot.testing import BotTester


@dataclass
class FakeOpenAI:
    """Answers /v1/chat/completions with `reply`, or fails the way it is told to."""

    reply: str = "Paiement par virement ou carte [1]."
    mode: str = "ok"  # ok | slow | error
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.mode == "slow":
            await asyncio.sleep(2)
        if self.mode == "error":
            return web.json_response({"error": {"message": "boom", "type": "server_error"}}, status=500)
        return web.json_response({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": self.reply}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    server = FakeOpenAI()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{port}/v1"
    yield server
    await runner.cleanup()


SOURCES = [Source("Comment payer ma cotisation ?", "Par virement ou par carte.")]


async def test_composed_answer_is_grounded_in_the_entries(fake: FakeOpenAI) -> None:
    composer = AnswerComposer("sk-test", fake.url, timeout=2.0)
    text = await composer.compose("je paie comment ?", SOURCES, "fr")
    assert text == "Paiement par virement ou carte [1]."
    sent = json.dumps(fake.requests[0]["messages"], ensure_ascii=False)
    assert "Par virement ou par carte." in sent and "je paie comment ?" in sent and "French" in sent


@pytest.mark.parametrize("mode, reply", [("slow", "x [1]"), ("error", "x [1]"), ("ok", "NONE"), ("ok", "no cite")])
async def test_failures_and_ungrounded_replies_fall_back(fake: FakeOpenAI, mode: str, reply: str) -> None:
    fake.mode, fake.reply = mode, reply
    composer = AnswerComposer("sk-test", fake.url, timeout=0.5)
    assert await asyncio.wait_for(composer.compose("q ?", SOURCES, "fr"), timeout=5) is None


async def test_the_bot_uses_it_and_falls_back_without_the_member_noticing(
        fake: FakeOpenAI, database_url: str, engine: AsyncEngine, clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine, AGORA_FACILITATORS="test:fac",
                                OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=fake.url) as bot:
        await bot.command("agora", "faq add Comment payer ma cotisation ? = Par virement ou par carte.", as_="fac")
        replies = await bot.say("comment payer la cotisation ?", as_="ana")
        assert "Paiement par virement ou carte [1]." in replies[0].text and "Sources" in replies[0].text
        assert len(replies[0].buttons) == 2

        fake.mode = "error"
        replies = await bot.say("comment payer la cotisation ?", as_="ana")
        assert "Par virement ou par carte." in replies[0].text and "Sources" not in replies[0].text
        assert len(replies[0].buttons) == 2
