"""All three platforms in one process, as `agora run` serves them when every token is set: one App with the
real Slack, Discord and Telegram adapters, each pointed at its wire fake, on one store, and one HTTP server
carrying Slack's events endpoint, Discord's interactions endpoint and Telegram's webhook.

`async with all_platforms(database_url, engine) as world:` gives `world.slack`, `world.discord` and
`world.telegram`: the same harness objects the contract suite uses, sharing `world.app`. Features' end-to-end
tests (a Telegram member helped by a Slack expert, say) build on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord_bot import DiscordAdapter
from adapters.slack_app import SlackAdapter
from adapters.telegram_bot import TelegramAdapter
from bot.composition import App, build_app
from bot.config import Settings
from bot.http import Health, HttpServer, adapter_routes, create_web_app
from tests.contract import discord_harness, slack_harness, telegram_harness
from tests.contract.discord_harness import DiscordHarness
from tests.contract.slack_harness import SlackHarness
from tests.contract.telegram_harness import MAIN_GROUP, Names, TelegramHarness, _listening_socket
from tests.fakes.discord_fake import DiscordFake
from tests.fakes.slack_fake import SlackFake
from tests.fakes.telegram_fake import TOKEN, FakeTelegram


@dataclass
class AllPlatforms:
    app: App
    slack: SlackHarness
    discord: DiscordHarness
    telegram: TelegramHarness


def combined_settings(database_url: str, slack: SlackFake, discord: DiscordFake, telegram: FakeTelegram,
                      names: Names, webhook_url: str, **extra: Any) -> Settings:
    """Each platform's harness settings, merged; the fallback channels of the three side by side."""
    values: dict[str, Any] = {}
    for part in (slack_harness.slack_settings(database_url, slack),
                 discord_harness.discord_settings(database_url, discord)):
        values.update({k: v for k, v in part.model_dump(by_alias=True).items() if v is not None})
    values.update({
        "AGORA_COMMUNITY": "test", "AGORA_COMMUNITY_NAME": "Test", "AGORA_DEFAULT_LOCALE": "fr",
        "AGORA_CONSOLE": False, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.api_url,
        "TELEGRAM_WEBHOOK_URL": webhook_url, "TELEGRAM_WEBHOOK_SECRET": telegram_harness.WEBHOOK_SECRET,
        "AGORA_FALLBACK_CHANNELS": ",".join([
            f"slack={slack_harness.FALLBACK_CHANNEL}",
            f"discord={discord.names.id(discord_harness.FALLBACK)}",
            f"telegram={names.chat(MAIN_GROUP)}",
        ]),
        **extra,
    })
    return Settings.model_validate(values)


@asynccontextmanager
async def all_platforms(database_url: str, engine: AsyncEngine, **extra: Any) -> AsyncIterator[AllPlatforms]:
    async with AsyncExitStack() as stack:
        slack = await SlackFake().start()
        stack.push_async_callback(slack.stop)
        discord = DiscordFake()
        discord.text_channel(discord_harness.FALLBACK)
        await discord.start()
        stack.push_async_callback(discord.stop)
        telegram = FakeTelegram()
        await telegram.start()
        stack.push_async_callback(telegram.stop)

        names = Names()
        sock = _listening_socket()  # bound now: Telegram's webhook URL must be known before the adapter starts
        port = sock.getsockname()[1]
        settings = combined_settings(database_url, slack, discord, telegram, names,
                                     f"http://127.0.0.1:{port}/telegram/webhook", **extra)
        slack_adapter = SlackAdapter(settings=settings)
        telegram_adapter = TelegramAdapter(settings=settings)
        app = build_app(settings, engine=engine,
                        adapters=[slack_adapter, DiscordAdapter(settings=settings), telegram_adapter])
        health = Health(engine, ["slack", "discord", "telegram"], started=True)
        web_app = create_web_app(health, adapter_routes(app.adapters.values()))
        runner = web.AppRunner(web_app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        stack.push_async_callback(runner.cleanup)
        slack.bot_url = f"http://127.0.0.1:{port}/slack/events"
        await app.start()
        stack.push_async_callback(app.stop)
        await discord.wait_connected()
        # Served above on the pre-bound socket; the Discord harness only reads the server's port.
        server = HttpServer(web_app, "127.0.0.1", port)
        yield AllPlatforms(
            app=app,
            slack=SlackHarness(slack, app, slack_adapter),
            discord=DiscordHarness(discord, app, server),
            telegram=TelegramHarness(app, telegram_adapter, telegram, names, "webhook"),
        )
