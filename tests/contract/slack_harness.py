"""The contract harness for Slack: the fake Slack (tests/fakes/slack_fake.py), the real App with the real
SlackAdapter pointed at it (SLACK_API_URL), and the adapter's /slack/events route served by the process's own
HTTP server (bot.http), as `agora run` serves it. Inbound traffic is signed exactly as Slack signs it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack_app import SlackAdapter
from bot.composition import App, build_app
from bot.config import Settings
from bot.http import Health, HttpServer, adapter_routes, create_web_app
from tests.contract.harness import Sent
from tests.fakes.slack_fake import BOT_TOKEN, BOT_USER, SlackFake

FALLBACK_CHANNEL = "C0FALLBACK"


def slack_settings(database_url: str, fake: SlackFake, **extra: Any) -> Settings:
    return Settings.model_validate({
        "DATABASE_URL": database_url, "AGORA_COMMUNITY": "test", "AGORA_COMMUNITY_NAME": "Test",
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": fake.signing_secret,
        "SLACK_API_URL": fake.api_url,
        "AGORA_FALLBACK_CHANNELS": f"slack={FALLBACK_CHANNEL}", "AGORA_OUTBOX_POLL_SECONDS": 0.05, **extra,
    })


class SlackHarness:
    platform = "slack"
    fallback_channel = FALLBACK_CHANNEL

    def __init__(self, fake: SlackFake, app: App, adapter: SlackAdapter) -> None:
        self.fake = fake
        self.app = app
        self.adapter = adapter
        self._forged_mark = 0

    @property
    def sent(self) -> list[Sent]:
        return self.fake.sent

    async def join(self, user: str) -> None:
        await self.fake.event({"type": "team_join", "user": {"id": user, "name": user.lower(),
                                                             "profile": {"display_name": f"Member {user}"}}})

    async def command(self, user: str, name: str, args: str = "", channel: str = "C1") -> None:
        await self.fake.command(user, f"{name} {args}".strip(), channel)

    async def message(self, user: str, text: str, *, channel: str | None = None, thread: str | None = None,
                      mention: bool = False) -> None:
        event: dict[str, Any] = {"type": "message", "user": user, "ts": self.fake.ts(), "text": text}
        if channel is None:
            event |= {"channel": self.fake.dm_channel(user), "channel_type": "im"}
        else:
            event |= {"channel": channel, "channel_type": "channel"}
        if thread is not None:
            event["thread_ts"] = thread
        if mention and channel is not None:
            # Slack delivers a channel mention twice: as a message event and as an app_mention event.
            event["text"] = f"<@{BOT_USER}> {text}"
            await self.fake.event(event)
            event = {**event, "type": "app_mention"}
            event.pop("channel_type")
        await self.fake.event(event)

    async def click(self, user: str, action_id: str, channel: str = "C1") -> None:
        await self.fake.action(user, action_id, channel)

    async def redeliver_last(self) -> None:
        await self.fake.redeliver_last()

    def refuse_dms(self, user: str) -> None:
        self.fake.refuse_dms(user)

    def rate_limit(self, count: int = 1, retry_after: float = 0.5) -> None:
        self.fake.rate_limit(count, retry_after)

    async def forged(self) -> int:
        """A team_join signed with the wrong secret."""
        self._forged_mark = len(self.fake.sent)
        body = self.fake.event_body({"type": "team_join", "user": {"id": "UFORGED", "name": "forged"}})
        raw = json.dumps(body).encode()
        headers = self.fake.signature_headers(raw, secret="wrong")
        delivery = await self.fake.post(raw, "application/json", headers)
        assert delivery.status is not None
        return delivery.status

    async def forged_effect_count(self) -> int:
        return len(self.fake.sent) - self._forged_mark


@asynccontextmanager
async def started(database_url: str, engine: AsyncEngine, fake: SlackFake,
                  **extra: Any) -> AsyncIterator[SlackHarness]:
    """The App with a SlackAdapter against `fake`, its route served on 127.0.0.1; stopped on exit."""
    settings = slack_settings(database_url, fake, **extra)
    adapter = SlackAdapter(settings=settings)
    app = build_app(settings, engine=engine, adapters=[adapter])
    await app.start()
    health = Health(app.engine, ["slack"], started=True)
    server = HttpServer(create_web_app(health, adapter_routes([adapter])), "127.0.0.1", 0)
    await server.start()
    fake.bot_url = f"http://127.0.0.1:{server.port}/slack/events"
    try:
        yield SlackHarness(fake, app, adapter)
    finally:
        await server.stop()
        await app.stop()


@asynccontextmanager
async def harness(database_url: str, engine: AsyncEngine, **extra: Any) -> AsyncIterator[SlackHarness]:
    fake = await SlackFake().start()
    try:
        async with started(database_url, engine, fake, **extra) as ready:
            yield ready
    finally:
        await fake.stop()
