"""BotTester: drive the real app as one or several members and read what they would see."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, ManualClock
from bot.composition import App, build_app
from bot.config import Settings
from bot.events import ButtonClicked, CommandInvoked, ConversationRef, Event, MemberJoined, MessageReceived, Sender
from bot.pipeline import Outcome
from bot.replies import OutboundButton
from bot.testing.adapter import Delivered, TestAdapter
from bot.text import clean_text


class BotTester:
    __test__ = False

    def __init__(self, app: App, adapter: TestAdapter, clock: Clock) -> None:
        self.app = app
        self.adapter = adapter
        self.clock = clock
        self._ids = itertools.count(1)
        self._run = uuid.uuid4().hex[:8]  # event ids unique across testers sharing a database
        self.locales: dict[str, str | None] = {}

    @classmethod
    @asynccontextmanager
    async def create(cls, database_url: str, *, clock: Clock | None = None, engine: AsyncEngine | None = None,
                     **settings: object) -> AsyncIterator[BotTester]:
        """A started app on `database_url` (already migrated), with a TestAdapter as its only platform."""
        clock = clock or ManualClock()
        values = {"DATABASE_URL": database_url, "AGORA_COMMUNITY": "test", "AGORA_COMMUNITY_NAME": "Test",
                  "AGORA_DEFAULT_LOCALE": "fr", **settings}
        conf = Settings.model_validate(values)
        adapter = TestAdapter()
        app = build_app(conf, clock=clock, adapters=[adapter], engine=engine)
        await app.start()
        try:
            yield cls(app, adapter, clock)
        finally:
            await app.stop()

    # --- acting as members -------------------------------------------------------------------------------
    def _ref(self, user: str, channel: str | None) -> ConversationRef:
        if channel is None:
            return ConversationRef("test", "T1", f"D-{user}", user, is_dm=True)
        return ConversationRef("test", "T1", channel, user)

    def _sender(self, user: str) -> Sender:
        return Sender(user_id=user, display_name=user.capitalize(), locale=self.locales.get(user))

    def _now(self) -> datetime:
        return self.clock.now()

    async def send_event(self, event: Event) -> list[Delivered]:
        """Push any event; returns the messages delivered while it was handled."""
        before = len(self.adapter.sent)
        self.last_outcome: Outcome = await self.app.handle(event)
        return self.adapter.sent[before:]

    async def say(self, text: str, as_: str = "alice", channel: str | None = None, event_id: str | None = None,
                  mention: bool = False) -> list[Delivered]:
        event = MessageReceived(platform="test", event_id=event_id or f"e{self._run}-{next(self._ids)}",
                                ref=self._ref(as_, channel), sender=self._sender(as_), ts=self._now(),
                                text=clean_text(text), mentions_bot=mention)
        return await self.send_event(event)

    async def command(self, name: str, args: str = "", as_: str = "alice",
                      channel: str | None = None) -> list[Delivered]:
        event = CommandInvoked(platform="test", event_id=f"c{self._run}-{next(self._ids)}", ref=self._ref(as_, channel),
                               sender=self._sender(as_), ts=self._now(), name=name, args=clean_text(args))
        return await self.send_event(event)

    async def click(self, button: OutboundButton, as_: str = "alice",
                    channel: str | None = None) -> list[Delivered]:
        event = ButtonClicked(platform="test", event_id=f"b{self._run}-{next(self._ids)}", ref=self._ref(as_, channel),
                              sender=self._sender(as_), ts=self._now(), action_id=button.action_id)
        return await self.send_event(event)

    async def join(self, user: str, locale: str | None = None) -> list[Delivered]:
        if locale is not None:
            self.locales[user] = locale
        event = MemberJoined(platform="test", event_id=f"j{self._run}-{next(self._ids)}",
                             ref=self._ref(user, "C-general"), sender=self._sender(user), ts=self._now())
        return await self.send_event(event)
