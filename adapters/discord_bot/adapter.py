"""The Discord adapter: discord.py's gateway client in, Discord's REST API out. It only translates (see
inbound and outbound); the core decides everything else.

Acknowledging within Discord's 3 seconds: an interaction is deferred first (type 5, ephemeral, for a command;
type 6 for a button), then handed to the core in a background task. Deferring before the core has stored the
event costs nothing in durability, because Discord never delivers an interaction twice; and it is the only
way to keep the deadline whatever a handler does. The reply then comes as a follow-up. Gateway events
(messages, joins) need no acknowledgement: they are handed over in background tasks as well, kept and awaited
on stop. The core de-duplicates on the event id (the interaction id, the message id, the join's guild, member
and time), so a replayed gateway event after a RESUME has no second effect.

The gateway connection is discord.py's (heartbeats, RESUME, reconnects with backoff). If discord.py itself
gives up on a payload it cannot parse, the adapter logs it, closes that connection and connects again, so
one bad event never stops the bot; close codes that mean a configuration error (bad token, privileged
intents not enabled) stop it with an error instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

import discord

from adapters.discord_bot.client import (
    CatalogTranslator,
    GatewayClient,
    build_tree,
    configure_endpoints,
    guard_logs,
)
from adapters.discord_bot.endpoint import PATH, InteractionsEndpoint
from adapters.discord_bot.inbound import PLATFORM, Inbound, Workspaces
from adapters.discord_bot.interactions import APPLICATION_COMMAND, COMPONENT, Incoming, LiveInteractions
from adapters.discord_bot.outbound import Outbound, classify
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.events import Event
from bot.i18n import Catalogs, normalise_locale
from bot.ports import Capabilities, EventSink, SendResult, TransientFailure
from bot.replies import OutboundMessage

log = logging.getLogger("agora.discord")

CONNECT_TIMEOUT = 30.0
SEND_TIMEOUT = 50.0  # below the outbox lease (see outbound)
HANDLED = (APPLICATION_COMMAND, COMPONENT)


class DiscordAdapter:
    """Implements bot.ports.Adapter for Discord (see the module docstring)."""

    platform = PLATFORM
    # Discord allows 50 requests/s per bot: 40 messages/s leaves room for deferrals and DM opens. Per channel
    # it allows 5 messages per 5 s; discord.py also waits on each route's bucket (X-RateLimit headers), so
    # the outbox only spaces a channel's messages a little instead of holding every reply back a second.
    capabilities = Capabilities(buttons=True, ephemeral=True, threads=True, dm=True, files=True, max_text=2000,
                                rate_per_second=40.0, per_channel_interval=0.2)
    deliver_inline = False

    def __init__(self, settings: Settings, *, clock: Clock | None = None, catalogs: Catalogs | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT, send_timeout: float = SEND_TIMEOUT) -> None:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self._settings = settings
        self._clock = clock or SystemClock()
        self._catalogs = catalogs or Catalogs()
        self._connect_timeout = connect_timeout
        self._live = LiveInteractions(self._clock)
        self._outbound = Outbound(self._live, timeout=send_timeout)
        self._client: GatewayClient | None = None
        self._inbound: Inbound | None = None
        self._sink: EventSink | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._gateway: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._stopping = False
        key = settings.discord_public_key
        self._endpoint = InteractionsEndpoint(key, self._accept_http, self._clock) if key else None

    # --- the port ----------------------------------------------------------------------------------------
    async def start(self, sink: EventSink) -> None:
        """Log in (a bad token fails here), sync the commands, connect the gateway; returns once connected
        (or after a timeout, discord.py then keeps trying in the background)."""
        configure_endpoints(self._settings.discord_api_url, self._settings.discord_gateway_url)
        guard_logs()
        self._sink, self._stopping = sink, False
        self._connected.clear()
        client = GatewayClient(self)
        self._client = client
        self._inbound = Inbound(client, self._clock, Workspaces(client))
        token = self._settings.discord_bot_token
        assert token is not None
        try:
            await client.login(token.get_secret_value())  # discord.LoginFailure for a bad token
        except BaseException:
            await client.close()
            self._client = None
            raise
        await self._sync_commands(client)
        self._gateway = asyncio.create_task(self._run_gateway(client), name="agora-discord-gateway")
        try:
            await asyncio.wait_for(self._connected.wait(), self._connect_timeout)
        except TimeoutError:
            log.warning("discord gateway not connected yet; still trying")

    async def stop(self) -> None:
        """No new events once the gateway is closed; the events in flight are finished."""
        self._stopping = True
        if self._client is not None:
            await self._client.close()
        if self._gateway is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._gateway), 10.0)
            except Exception:  # not closed within 10 s (or failed): stop waiting
                self._gateway.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._gateway
            self._gateway = None
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        self._sink = None

    async def send(self, message: OutboundMessage) -> SendResult:
        client = self._client
        if client is None or client.is_closed():
            raise TransientFailure("discord_not_started")
        return await self._outbound.send(client.http, message)

    def routes(self) -> Sequence[tuple[str, str, Any]]:
        """POST /discord/interactions, when DISCORD_PUBLIC_KEY is set (HTTP interactions)."""
        return [("POST", PATH, self._endpoint.handle)] if self._endpoint is not None else []

    # --- discord.py's callbacks (GatewayClient) ----------------------------------------------------------
    def connected(self) -> None:
        self._connected.set()

    async def on_message(self, message: discord.Message) -> None:
        inbound = self._inbound
        if inbound is not None:
            self._spawn(inbound.message(message), str(message.id))

    async def on_member_join(self, member: discord.Member) -> None:
        if self._inbound is not None:
            self._spawn(self._inbound.member_joined(member), f"join:{member.id}")

    async def on_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self._inbound is not None:
            key = f"react:{payload.message_id}:{payload.user_id}:{payload.emoji}"
            self._spawn(self._inbound.reaction(payload), key)

    async def on_interaction(self, interaction: discord.Interaction[discord.Client]) -> None:
        try:
            incoming = Incoming.from_gateway(interaction)
        except Exception as err:
            log.warning("discord interaction ignored", extra={"error": type(err).__name__})
            return
        if incoming.kind not in HANDLED or self._client is None:
            return
        try:
            await self._client.http.request(
                discord.http.Route("POST", "/interactions/{webhook_id}/{webhook_token}/callback",
                                   webhook_id=incoming.id, webhook_token=incoming.token),
                json=incoming.deferral())
        except Exception as err:  # late, already acknowledged elsewhere, network: the event still counts
            log.warning("discord interaction not deferred", extra={"event_id": incoming.id,
                                                                   "error": str(classify(err))})
        else:
            self._live.add(incoming)
        self._spawn_interaction(incoming)

    # --- the HTTP endpoint's callback --------------------------------------------------------------------
    async def _accept_http(self, incoming: Incoming) -> dict[str, Any] | None:
        if incoming.kind not in HANDLED:
            return None
        self._live.add(incoming)
        self._spawn_interaction(incoming)
        return incoming.deferral()

    # --- handing events to the core ----------------------------------------------------------------------
    def _spawn_interaction(self, incoming: Incoming) -> None:
        if self._inbound is not None:
            self._spawn(self._inbound.interaction(incoming), incoming.id)

    def _spawn(self, build: Awaitable[Event | None], delivery: str) -> None:
        if self._sink is None:  # stopped: what discord.py still hands over is dropped
            if asyncio.iscoroutine(build):
                build.close()
            return
        task = asyncio.create_task(self._deliver(build, delivery, self._sink))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, build: Awaitable[Event | None], delivery: str, sink: EventSink) -> None:
        try:
            event = await build
            if event is not None:
                await sink(event)
        except Exception as err:  # one bad event must not stop the others; ids only in the log
            log.warning("discord event failed", extra={"event_id": delivery, "error": type(err).__name__},
                        exc_info=True)

    # --- set-up ------------------------------------------------------------------------------------------
    async def _sync_commands(self, client: discord.Client) -> None:
        locale = normalise_locale(self._settings.default_locale) or "fr"
        tree = build_tree(client, self._catalogs, locale)
        try:
            await tree.set_translator(CatalogTranslator(self._catalogs))
            await tree.sync()
        except discord.HTTPException as err:  # the commands of the last sync stay in place
            log.warning("discord commands not synced", extra={"error": str(classify(err))})

    async def _run_gateway(self, client: discord.Client) -> None:
        """discord.py's connect loop, restarted when it dies of something it does not handle itself."""
        backoff = 1.0
        while not self._stopping and not client.is_closed():
            began = asyncio.get_running_loop().time()
            try:
                await client.connect(reconnect=True)
                return
            except discord.PrivilegedIntentsRequired:
                log.error("discord gateway refused the bot: enable the Server Members and Message Content "
                          "intents", extra={"close_code": 4014})
                return
            except discord.ConnectionClosed as err:  # discord.py closed the client: a configuration error
                log.error("discord gateway refused the bot", extra={"close_code": err.code})
                return
            except Exception as err:
                if self._stopping or client.is_closed():
                    return
                log.error("discord gateway failed; reconnecting", extra={"error": type(err).__name__},
                          exc_info=True)
            if client.ws is not None:
                with contextlib.suppress(Exception):
                    await client.ws.close(code=1000)
            if asyncio.get_running_loop().time() - began > 60.0:
                backoff = 1.0
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 60.0)


