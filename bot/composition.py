"""The composition root: the one module of bot/ that knows the adapters and the handlers. It builds a running
App from Settings. Tests build the same App with their own adapters and clock."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import Services
from bot.contributions import Contributions
from bot.events import Event
from bot.i18n import Catalogs
from bot.identity import Identities
from bot.middleware import Middleware
from bot.middleware.activity import record_activity
from bot.middleware.choices import numbered_choices
from bot.middleware.conversations import load_conversations
from bot.middleware.dedup import RecentEvents
from bot.middleware.errors import handle_errors
from bot.middleware.identity import resolve_identity
from bot.middleware.locale import choose_locale
from bot.middleware.permissions import check_permissions, route
from bot.nudges.campaign import NudgeCampaign
from bot.outbox.fallback import DmFallback
from bot.outbox.sender import OutboxSender, SenderOptions
from bot.pipeline import Outcome, Pipeline
from bot.ports import Adapter
from bot.router import Router
from bot.scheduler import HOURLY, Scheduler
from bot.store.db import create_engine, session_factory
from bot.store.uow import UnitOfWork
from bot.store.writer import BatchWriter

log = logging.getLogger("agora.app")

FEATURES: tuple[str, ...] = ("help", "language", "welcome", "link", "faq",
                               "onboarding", "referrals", "directory", "sectors", "funnel",
                               "peer_help", "nudges", "facilitator")


def build_router(services: Services) -> Router:
    """Every feature module registers its commands, actions and event handlers here."""
    import importlib

    router = Router()
    for name in FEATURES:
        module = importlib.import_module(f"handlers.{name}")
        module.setup(router, services)
    return router


def platform_adapters(settings: Settings, **kwargs: Any) -> list[Adapter]:
    """The adapters the settings ask for. Each SDK is imported only when its platform is configured."""
    adapters: list[Adapter] = []
    if settings.slack_bot_token is not None:
        from adapters.slack_app import SlackAdapter

        adapters.append(SlackAdapter(settings=settings))
    if settings.discord_bot_token is not None:
        from adapters.discord_bot import DiscordAdapter

        adapters.append(DiscordAdapter(settings=settings))
    if settings.telegram_bot_token is not None:
        from adapters.telegram_bot import TelegramAdapter

        adapters.append(TelegramAdapter(settings=settings))
    if settings.console_enabled():
        from adapters.console import ConsoleAdapter

        adapters.append(ConsoleAdapter(settings=settings, **kwargs))
    return adapters


def console_adapter(settings: Settings, **kwargs: Any) -> Adapter:
    """The console adapter on its own, whatever else is configured (`agora chat`, `agora demo`)."""
    from adapters.console import ConsoleAdapter

    return ConsoleAdapter(settings=settings, **kwargs)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    services: Services
    router: Router
    pipeline: Pipeline
    writer: BatchWriter
    sender: OutboxSender
    scheduler: Scheduler
    adapters: dict[str, Adapter] = field(default_factory=dict)
    _started: bool = False

    async def handle(self, event: Event) -> Outcome:
        """Process one event. For adapters that show replies inline (console, tests), deliver them before
        returning, so a conversation reads in order."""
        outcome = await self.pipeline.process(event)
        adapter = self.adapters.get(event.platform)
        if adapter is not None and getattr(adapter, "deliver_inline", False):
            await self.sender.drain(event.platform)
        return outcome

    def sink(self) -> Callable[[Event], Awaitable[None]]:
        async def deliver(event: Event) -> None:
            await self.handle(event)

        return deliver

    async def start(self, *, adapters: bool = True) -> None:
        await ensure_community(self)
        self.writer.start()
        self.sender.start()
        self.scheduler.start()
        if adapters:
            for adapter in self.adapters.values():
                await adapter.start(self.sink())
        self._started = True

    async def stop(self) -> None:
        """Finish the sends in flight (the rest stay pending), stop taking events, persist what is being
        handled, release the database. The sender stops first so that no send is attempted on an adapter
        that is already disconnected."""
        await self.sender.stop()
        for adapter in self.adapters.values():
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter stop failed", extra={"platform": adapter.platform})
        await self.writer.stop()
        await self.scheduler.aclose()  # waits for a job in flight rather than cancelling it
        await self.engine.dispose()
        self._started = False


async def ensure_community(app: App) -> None:
    """The configured community exists (first start on a fresh database)."""
    settings = app.settings
    slugs = dict.fromkeys([settings.community_slug, *settings.workspace_map().values()])
    async with UnitOfWork(app.services.sessions) as uow:
        for slug in slugs:
            if await uow.directory.by_slug(slug) is None:
                name = settings.community_name if slug == settings.community_slug else slug
                await uow.directory.create(slug, name, app.services.clock.now(),
                                           locale=settings.default_locale, timezone=settings.timezone)


def build_app(settings: Settings, *, clock: Clock | None = None, adapters: Sequence[Adapter] | None = None,
              engine: AsyncEngine | None = None, sender_options: SenderOptions | None = None) -> App:
    clock = clock or SystemClock()
    engine = engine or create_engine(settings.database_url)
    sessions = session_factory(engine)
    catalogs = Catalogs()
    identities = Identities(sessions, clock, default_community=settings.community_slug,
                            facilitator_ids=settings.facilitator_ids(), workspace_map=settings.workspace_map(),
                            fallback_channel=settings.fallback_channel)
    chosen = list(adapters) if adapters is not None else platform_adapters(settings)
    services = Services(settings=settings, clock=clock, sessions=sessions, catalogs=catalogs,
                        identities=identities, capabilities={a.platform: a.capabilities for a in chosen})
    router = build_router(services)
    writer = BatchWriter(engine)
    middlewares: list[Middleware] = [
        handle_errors,
        RecentEvents(),
        resolve_identity,
        choose_locale,
        numbered_choices,
        load_conversations,
        record_activity,
        route,
        check_permissions,
    ]
    pipeline = Pipeline(services, router, writer, middlewares)
    options = sender_options or SenderOptions(
        max_attempts=settings.outbox_max_attempts,
        lease_seconds=settings.outbox_lease_seconds,
        poll_seconds=settings.outbox_poll_seconds,
    )
    by_platform = {a.platform: a for a in chosen}
    sender = OutboxSender(engine, by_platform, clock, options, on_unreachable=DmFallback(engine, catalogs, clock))
    writer.on_outbox_written.append(sender.poke)
    ticks = (HOURLY, *Contributions.of(services).ticks)  # features add their timers in their setup
    nudges = NudgeCampaign.of(services)  # the weekly job (issue 06); its messages wake the sender
    nudges.on_written.append(sender.poke)
    scheduler = Scheduler(sessions, clock, sink=pipeline.process, ticks=ticks, weekly=(nudges,),
                          holder=nudges.holder)
    return App(settings=settings, engine=engine, services=services, router=router, pipeline=pipeline,
               writer=writer, sender=sender, scheduler=scheduler, adapters=by_platform)
