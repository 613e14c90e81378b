"""The contract harness for Discord: the fake Discord (REST + gateway) on 127.0.0.1, the real App with the
real DiscordAdapter pointed at it through DISCORD_API_URL and DISCORD_GATEWAY_URL, and the HTTP server
`agora run` would start, serving the adapter's Interactions endpoint (DISCORD_PUBLIC_KEY is the fake
application's key).

Tests speak in names ("U100", "C1", "TH1"); the fake gives them snowflakes and `sent` maps them back,
mentions in texts included (`<@1100...>` reads `<@U100>`).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord_bot import DiscordAdapter
from bot.composition import App, build_app
from bot.config import Settings
from bot.http import Health, HttpServer, adapter_routes, create_web_app
from tests.contract.harness import Sent
from tests.fakes.discord_fake import Call, DiscordFake

FALLBACK = "CFALLBACK"
ENDPOINT = "/discord/interactions"
_MENTION = re.compile(r"<@!?(\d+)>")


def discord_settings(database_url: str, fake: DiscordFake, **extra: Any) -> Settings:
    return Settings.model_validate({
        "DATABASE_URL": database_url, "AGORA_COMMUNITY": "test", "AGORA_OUTBOX_POLL_SECONDS": 0.05,
        "DISCORD_BOT_TOKEN": fake.token, "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_PUBLIC_KEY": fake.public_key,
        "AGORA_FALLBACK_CHANNELS": f"discord={fake.names.id(FALLBACK)}", **extra,
    })


@dataclass
class DiscordHarness:
    fake: DiscordFake
    app: App
    server: HttpServer
    platform: str = "discord"
    fallback_channel: str = FALLBACK
    _forged_at: float | None = field(default=None)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.port}{ENDPOINT}"

    @property
    def adapter(self) -> DiscordAdapter:
        adapter = self.app.adapters["discord"]
        assert isinstance(adapter, DiscordAdapter)
        return adapter

    @property
    def sent(self) -> list[Sent]:
        return [s for c in self.fake.calls if c.status < 300 and (s := self._normalise(c)) is not None]

    def _normalise(self, call: Call) -> Sent | None:
        names, body = self.fake.names, call.json
        parts = call.path.strip("/").split("/")
        if call.method != "POST" or not isinstance(body, dict):
            return None
        text = _MENTION.sub(lambda m: f"<@{names.name(m.group(1))}>", str(body.get("content", "")))
        rows = body.get("components", [])
        actions = tuple(b["custom_id"] for row in rows for b in row.get("components", []))
        if parts[:1] == ["webhooks"]:
            found = self.fake.interaction_for_token(parts[2])
            user = names.name(found.user) if found else None
            channel = names.name(found.channel) if found else None
            return Sent("interaction", channel, None, user, text, actions)
        if parts[:1] == ["channels"] and parts[2:] == ["messages"]:
            cid = int(parts[1])
            info = self.fake.channels.get(cid)
            if info is not None and info.kind == "dm":
                return Sent("dm", None, None, names.name(info.user), text, actions)
            if info is not None and info.kind == "thread":
                return Sent("thread", names.name(info.parent), names.name(cid), None, text, actions)
            return Sent("channel", names.name(cid), None, None, text, actions)
        return None

    async def join(self, user: str) -> None:
        await self.fake.join(user)

    async def command(self, user: str, name: str, args: str = "", channel: str = "C1") -> None:
        await self.fake.command(user, name, args, channel)

    async def message(self, user: str, text: str, *, channel: str | None = None, thread: str | None = None,
                      mention: bool = False) -> None:
        await self.fake.message(user, text, channel=channel, thread=thread, mention=mention)

    async def click(self, user: str, action_id: str, channel: str = "C1") -> None:
        await self.fake.click(user, action_id, channel)

    async def redeliver_last(self) -> None:
        await self.fake.redeliver_last()

    def refuse_dms(self, user: str) -> None:
        self.fake.refuse_dms(user)

    def rate_limit(self, count: int = 1, retry_after: float = 0.5) -> None:
        self.fake.rate_limit(count, retry_after)

    async def forged(self) -> int:
        """A command interaction signed with a key that is not the application's."""
        self._forged_at = time.monotonic()
        data = self.fake.command_data("agora", {"command": "aide"})
        payload = self.fake.interaction_payload("U900", 2, data)
        status, _ = await self.fake.post_interaction(self.endpoint, payload, forge=True)
        return status

    async def forged_effect_count(self) -> int:
        since = self._forged_at or 0.0
        return sum(1 for c in self.fake.calls if c.at >= since and c.method == "POST" and c.status < 300)


@asynccontextmanager
async def harness(database_url: str, engine: AsyncEngine, *, fake: DiscordFake | None = None,
                  **settings: Any) -> AsyncIterator[DiscordHarness]:
    """A started harness on a new fake (or on `fake`, not started yet, for tests that shape it first)."""
    fake = fake or DiscordFake()
    fake.text_channel(FALLBACK)
    await fake.start()
    try:
        async with started(fake, database_url, engine, **settings) as running:
            yield running
    finally:
        await fake.stop()


@asynccontextmanager
async def started(fake: DiscordFake, database_url: str, engine: AsyncEngine,
                  **settings: Any) -> AsyncIterator[DiscordHarness]:
    """The App on an already running fake (a restart test starts it twice on one fake)."""
    config = discord_settings(database_url, fake, **settings)
    app = build_app(config, engine=engine, adapters=[DiscordAdapter(settings=config)])
    await app.start()
    server = HttpServer(create_web_app(Health(app.engine, ["discord"], started=True),
                                       adapter_routes(app.adapters.values())), "127.0.0.1", 0)
    await server.start()
    try:
        await fake.wait_connected()
        yield DiscordHarness(fake, app, server)
    finally:
        await server.stop()
        await app.stop()
