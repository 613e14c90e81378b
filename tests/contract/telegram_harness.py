"""The contract harness for Telegram: the real App with the real TelegramAdapter (python-telegram-bot,
unmodified) against the fake Bot API of tests/fakes/telegram_fake.py.

The contract suite runs in webhook mode: the fake POSTs updates, with the secret token it got from setWebhook,
to the adapter's route served the way `agora run` serves it (bot.http.create_web_app); `forged` needs that.
Polling mode is exercised by tests/e2e/test_telegram_*.py through the same harness (`mode="polling"`).

Telegram ids are numbers; the suite speaks in names ("U100", "C1", "TH1"). `Names` maps them both ways, and
`sent` reads the fake's sendMessage calls back in names: a positive chat id is a member's private chat (a DM),
a negative one a group; a message_thread_id makes it a thread. HTML is turned back into plain text, with
Telegram's user mention links (tg://user?id=N) shown as "@name".
"""

from __future__ import annotations

import html
import itertools
import re
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram_bot import TelegramAdapter
from bot.composition import App, build_app
from bot.config import Settings
from bot.http import Health, adapter_routes, create_web_app
from tests.contract.harness import Sent
from tests.fakes.telegram_fake import BOT_USERNAME, TOKEN, FakeTelegram

WEBHOOK_SECRET = "harness-webhook-secret"
MAIN_GROUP = "G1"  # where members join; also the fallback channel for refused DMs
_MENTION = re.compile(r'<a href="tg://user\?id=(-?\d+)">[^<]*</a>')
_TAG = re.compile(r"<[^>]+>")


class Names:
    """Readable names <-> Telegram ids, allocated on first use."""

    def __init__(self) -> None:
        self.users: dict[str, int] = {}
        self.chats: dict[str, int] = {}
        self.threads: dict[str, int] = {}
        self._user_ids = itertools.count(7001)
        self._chat_ids = itertools.count(1)
        self._thread_ids = itertools.count(501)

    def user(self, name: str) -> int:
        return self.users.setdefault(name, next(self._user_ids))

    def chat(self, name: str) -> int:
        return self.chats.setdefault(name, -1001000000000 - next(self._chat_ids))

    def thread(self, name: str) -> int:
        return self.threads.setdefault(name, next(self._thread_ids))

    @staticmethod
    def _back(table: dict[str, int], number: int) -> str:
        return next((name for name, value in table.items() if value == number), str(number))

    def user_name(self, number: int) -> str:
        return self._back(self.users, number)

    def chat_name(self, number: int) -> str:
        return self._back(self.chats, number)

    def thread_name(self, number: int) -> str:
        return self._back(self.threads, number)


class Updates:
    """Telegram-shaped updates, as the Bot API would send them."""

    def __init__(self, fake: FakeTelegram, names: Names) -> None:
        self.fake = fake
        self.names = names
        self._queries = itertools.count(1)

    def user(self, name: str, language: str | None = "fr") -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.names.user(name), "is_bot": False, "first_name": name.capitalize()}
        if language:
            data["language_code"] = language
        return data

    def chat(self, channel: str | None, user: str) -> dict[str, Any]:
        if channel is None:
            return {"id": self.names.user(user), "type": "private", "first_name": user.capitalize()}
        return {"id": self.names.chat(channel), "type": "supergroup", "title": channel, "is_forum": True}

    def message(self, user: str, text: str | None, channel: str | None = None, *, thread: str | None = None,
                entities: list[dict[str, Any]] | None = None, language: str | None = "fr",
                **extra: Any) -> dict[str, Any]:
        chat = self.chat(channel, user)
        body: dict[str, Any] = {"message_id": self.fake.message_id(), "date": int(time.time()), "chat": chat,
                                "from": self.user(user, language)}
        if text is not None:
            body["text"] = text
        if entities:
            body["entities"] = entities
        if thread is not None:
            topic = self.names.thread(thread)
            body.update(message_thread_id=topic, is_topic_message=True, reply_to_message={
                "message_id": topic, "date": int(time.time()), "chat": chat,
                "from": self.user("topic-starter"),
                "message_thread_id": topic, "is_topic_message": True,
                "forum_topic_created": {"name": thread, "icon_color": 7322096}})
        body.update(extra)
        return self.fake.update(message=body)

    def command(self, user: str, name: str, args: str = "", channel: str | None = "C1",
                addressed: bool = True) -> dict[str, Any]:
        word = f"/{name}@{BOT_USERNAME}" if addressed and channel is not None else f"/{name}"
        text = f"{word} {args}".strip()
        return self.message(user, text, channel, entities=[{"type": "bot_command", "offset": 0,
                                                             "length": len(word)}])

    def mention(self, user: str, text: str, channel: str, thread: str | None = None) -> dict[str, Any]:
        handle = f"@{BOT_USERNAME}"
        return self.message(user, f"{handle} {text}", channel, thread=thread,
                            entities=[{"type": "mention", "offset": 0, "length": len(handle)}])

    def join(self, user: str, channel: str = MAIN_GROUP, language: str | None = "fr") -> dict[str, Any]:
        return self.message(user, None, channel, language=language,
                            new_chat_members=[self.user(user, language)])

    def click(self, user: str, action_id: str, channel: str | None = "C1") -> dict[str, Any]:
        origin = {"message_id": self.fake.message_id(), "date": int(time.time()),
                  "chat": self.chat(channel, user), "from": self.fake.bot, "text": "…"}
        query_id = f"q{next(self._queries)}-{self.names.user(user)}"
        return self.fake.update(callback_query={"id": query_id, "from": self.user(user), "message": origin,
                                                "chat_instance": "ci-1", "data": action_id})


class TelegramHarness:
    platform = "telegram"

    def __init__(self, app: App, adapter: TelegramAdapter, fake: FakeTelegram, names: Names,
                 mode: str) -> None:
        self.app = app
        self.adapter = adapter
        self.fake = fake
        self.names = names
        self.mode = mode
        self.updates = Updates(fake, names)
        self.fallback_channel = MAIN_GROUP
        self._last: dict[str, Any] | None = None
        self._forged_mark = 0

    # --- what the fake received, in names ----------------------------------------------------------------
    @property
    def sent(self) -> list[Sent]:
        return [self._read(params) for params in list(self.fake.messages)]

    def _read(self, params: dict[str, Any]) -> Sent:
        chat = int(params["chat_id"])
        markup = params.get("reply_markup") or {}
        actions = tuple(b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
                        if "callback_data" in b)
        text = self.plain(str(params.get("text", "")))
        if chat > 0:
            return Sent("dm", None, None, self.names.user_name(chat), text, actions)
        channel = self.names.chat_name(chat)
        topic = params.get("message_thread_id")
        if topic:
            return Sent("thread", channel, self.names.thread_name(int(topic)), None, text, actions)
        return Sent("channel", channel, None, None, text, actions)

    def plain(self, text: str) -> str:
        text = _MENTION.sub(lambda m: "@" + self.names.user_name(int(m.group(1))), text)
        return html.unescape(_TAG.sub("", text))

    # --- the platform's side -----------------------------------------------------------------------------
    async def push(self, update: dict[str, Any]) -> int | None:
        self._last = update
        return await self.fake.push(update)

    async def join(self, user: str) -> None:
        await self.push(self.updates.join(user))

    async def command(self, user: str, name: str, args: str = "", channel: str = "C1") -> None:
        await self.push(self.updates.command(user, name, args, channel))

    async def message(self, user: str, text: str, *, channel: str | None = None, thread: str | None = None,
                      mention: bool = False) -> None:
        if mention and channel is not None:
            await self.push(self.updates.mention(user, text, channel, thread))
        else:
            await self.push(self.updates.message(user, text, channel, thread=thread))

    async def click(self, user: str, action_id: str, channel: str = "C1") -> None:
        await self.push(self.updates.click(user, action_id, channel))

    async def redeliver_last(self) -> None:
        assert self._last is not None
        await self.fake.redeliver(self._last)

    def refuse_dms(self, user: str) -> None:
        self.fake.refuse(self.names.user(user))

    def rate_limit(self, count: int = 1, retry_after: float = 0.5) -> None:
        self.fake.rate_limit(count, retry_after)

    async def forged(self) -> int:
        """A /aide command POSTed to the webhook with a wrong secret token, then with none: each would get a
        reply if it were taken. Returns the first status that is not a refusal, if any, else the refusal."""
        assert self.mode == "webhook", "forged requests exercise the webhook"
        self._forged_mark = len(self.fake.messages)
        update = self.updates.command("U666", "aide", channel=None)
        statuses = [await self.fake.post_webhook(update, "not-the-secret"),
                    await self.fake.post_webhook(update, None)]
        return next((s for s in statuses if s not in (401, 403)), statuses[0])

    async def forged_effect_count(self) -> int:
        return len(self.fake.messages) - self._forged_mark


def _listening_socket() -> socket.socket:
    """A socket bound now, so the webhook URL (and its port) is known before the adapter starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def harness(database_url: str, engine: AsyncEngine, *, mode: str = "webhook",
                  secret: str | None = WEBHOOK_SECRET, **extra: Any) -> AsyncIterator[TelegramHarness]:
    """A started harness. `mode` is "webhook" or "polling"; `secret=None` leaves TELEGRAM_WEBHOOK_SECRET
    unset; `extra` adds settings."""
    fake = FakeTelegram()
    await fake.start()
    names = Names()
    sock = _listening_socket() if mode == "webhook" else None
    values: dict[str, Any] = {
        "DATABASE_URL": database_url, "AGORA_COMMUNITY": "test", "AGORA_COMMUNITY_NAME": "Test",
        "AGORA_DEFAULT_LOCALE": "fr", "AGORA_CONSOLE": False, "AGORA_OUTBOX_POLL_SECONDS": 0.05,
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.api_url,
        "AGORA_FALLBACK_CHANNELS": f"telegram={names.chat(MAIN_GROUP)}",
    }
    if sock is not None:
        values["TELEGRAM_WEBHOOK_URL"] = f"http://127.0.0.1:{sock.getsockname()[1]}/telegram/webhook"
        if secret is not None:
            values["TELEGRAM_WEBHOOK_SECRET"] = secret
    settings = Settings.model_validate({**values, **extra})
    adapter = TelegramAdapter(settings=settings)
    app = build_app(settings, engine=engine, adapters=[adapter])
    runner: web.AppRunner | None = None
    try:
        await app.start()
        if sock is not None:
            health = Health(engine, ["telegram"], started=True)
            runner = web.AppRunner(create_web_app(health, adapter_routes([adapter])), access_log=None,
                                   handle_signals=False, shutdown_timeout=2.0)
            await runner.setup()
            await web.SockSite(runner, sock).start()
        yield TelegramHarness(app, adapter, fake, names, mode)
    finally:
        if runner is not None:
            await runner.cleanup()
        elif sock is not None:
            sock.close()
        await app.stop()
        await fake.stop()
