"""The Slack adapter: Slack's Events API, slash commands and interactivity in, Web API calls out.

Two ways in, one code path (Bolt's dispatch, then the listeners below):
- HTTP mode (default): `routes()` serves POST /slack/events (events, commands and interactivity alike) on the
  process's HTTP server (`agora run` with AGORA_HTTP_PORT). Bolt checks the signature; anything forged, stale
  or replayed with a bad signature gets 401 and goes nowhere.
- Socket Mode when SLACK_APP_TOKEN is set: Bolt's AsyncSocketModeHandler opens a websocket to Slack (no public
  URL needed); envelopes are acknowledged on it.

Acknowledging within Slack's 3 seconds: each payload is translated and handed to the core in a task of its own
(kept, and awaited on stop). The listener waits for that task up to ACK_BUDGET seconds, then answers Slack.
- Usually the core has finished by then, so the effects (de-duplication key, outbox rows) are durable before
  Slack hears "ok": a crash before the ack makes Slack retry, and the core's de-duplication on the event id
  makes a retry harmless. An event the core failed on (the database down, say) is answered 500, so Slack
  delivers it again later.
- A slow handler cannot make us late: after ACK_BUDGET the ack goes anyway and the task carries on.
Slack's retries (X-Slack-Retry-Num) are processed like first deliveries: a retry may be the only delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from adapters.slack_app.bolt_setup import bolt_app, capped_logger, web_client
from adapters.slack_app.inbound import Inbound
from adapters.slack_app.memory import Conversations
from adapters.slack_app.outbound import Outbound
from adapters.slack_app.profiles import Profiles
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.events import Event
from bot.http import Route
from bot.i18n import Catalogs, normalise_locale
from bot.markup import to_slack
from bot.ports import Capabilities, EventSink, SendResult
from bot.replies import OutboundMessage

log = logging.getLogger("agora.slack")

EVENTS_PATH = "/slack/events"
ACK_BUDGET = 1.5  # seconds a listener waits for the core before acknowledging; Slack allows 3


def well_formed(body: Any) -> bool:
    """The shapes Bolt's own middleware relies on before any listener can check anything."""
    if not isinstance(body, dict) or not isinstance(body.get("event", {}), dict):
        return False
    actions = body.get("actions", [{}])
    return isinstance(actions, list) and bool(actions) and isinstance(actions[0], dict)


class Outcome(enum.Enum):
    DONE = "done"  # handled, or nothing to handle
    FAILED = "failed"  # the core could not take it: let Slack deliver it again
    PENDING = "pending"  # still running after the ack budget


class SlackAdapter:
    """Implements bot.ports.Adapter (and bot.http.HasRoutes in HTTP mode) for one workspace's bot token."""

    platform = "slack"
    # chat.postMessage: about 1 message per second per channel; 429 Retry-After handles the rest.
    capabilities = Capabilities(buttons=True, ephemeral=True, threads=True, dm=True, files=True,
                                max_text=3000, rate_per_second=10.0, per_channel_interval=1.0)
    deliver_inline = False

    def __init__(self, settings: Settings, *, clock: Clock | None = None,
                 ack_budget: float = ACK_BUDGET) -> None:
        if settings.slack_bot_token is None:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        self._app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        if not self._app_token and not secret:
            raise ValueError("Slack's HTTP mode needs SLACK_SIGNING_SECRET (Socket Mode: SLACK_APP_TOKEN)")
        self._clock = clock or SystemClock()
        self._ack_budget = ack_budget
        self._error_text = to_slack(Catalogs().translate(normalise_locale(settings.default_locale) or "fr",
                                                         "error.internal"))
        self._bolt_logger = capped_logger("agora.slack.bolt", logging.ERROR)
        sdk_logger = capped_logger("agora.slack.sdk", logging.WARNING)
        client = web_client(settings.slack_bot_token.get_secret_value(), settings, sdk_logger)
        conversations = Conversations(self._clock)
        self._inbound = Inbound(Profiles(client, self._clock), conversations, self._clock)
        self._outbound = Outbound(client, conversations, sdk_logger)
        self._verifier = SignatureVerifier(secret)
        self._bolt = bolt_app(client, secret, self._bolt_logger, self)
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._sink: EventSink | None = None
        self._tasks: set[asyncio.Task[Outcome]] = set()

    @property
    def socket_mode(self) -> bool:
        return bool(self._app_token)

    # --- the port ----------------------------------------------------------------------------------------
    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        if self._app_token:
            self._socket = AsyncSocketModeHandler(self._bolt, app_token=self._app_token,
                                                  logger=self._bolt_logger)
            # Connecting retries until Slack answers; it must not hold up the rest of the process.
            connect = self._socket.connect_async()  # type: ignore[no-untyped-call]
            self._connecting = asyncio.create_task(connect, name="agora-slack-socket")
        log.info("slack adapter started", extra={"mode": "socket" if self._app_token else "http"})

    async def stop(self) -> None:
        """Stop taking payloads, then let the ones being handled finish."""
        self._sink = None
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connecting
            self._connecting = None
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def send(self, message: OutboundMessage) -> SendResult:
        return await self._outbound.send(message)

    def routes(self) -> Sequence[Route]:
        return [] if self._app_token else [("POST", EVENTS_PATH, self.handle_http)]

    # --- HTTP mode ---------------------------------------------------------------------------------------
    async def handle_http(self, request: web.Request) -> web.StreamResponse:
        """Bolt's request handling on our aiohttp server; bodies Bolt cannot even parse get 401 or 400."""
        raw = await request.read()
        response: BoltResponse | None = None
        try:
            bolt_request = AsyncBoltRequest(body=raw.decode("utf-8"), query=request.query_string,
                                            headers=dict(request.headers))
            if well_formed(bolt_request.body):
                response = await self._bolt.async_dispatch(bolt_request)
        except Exception as err:  # a body Bolt could not parse: nothing was dispatched
            log.warning("slack request not understood", extra={"error": type(err).__name__})
        if response is None or response.status >= 500 or response.status == 401:
            if not self._signed(raw, request):
                log.warning("slack request refused: bad or stale signature")
                return web.json_response({"error": "invalid request"}, status=401)
            if response is None:
                return web.json_response({"error": "malformed request"}, status=400)
        if response.status == 404:  # signed, but of a kind no listener takes: acknowledged, ignored
            log.info("slack payload of an unknown kind ignored")
            return web.Response(status=200)
        return await to_aiohttp_response(response)

    def _signed(self, raw: bytes, request: web.Request) -> bool:
        try:
            return self._verifier.is_valid_request(raw, dict(request.headers))
        except (ValueError, TypeError):  # a timestamp header that is not a number
            return False

    # --- Bolt listeners ----------------------------------------------------------------------------------
    async def on_event(self, body: dict[str, Any], context: Any) -> BoltResponse | None:
        bot_user_id = getattr(context, "bot_user_id", None)
        outcome = await self._within_budget(lambda: self._inbound.event(body, bot_user_id))
        if outcome is Outcome.FAILED:
            return BoltResponse(status=500, body="")  # Slack will deliver it again
        return None  # Bolt acknowledges

    async def on_command(self, body: dict[str, Any], ack: Any) -> None:
        outcome = await self._within_budget(lambda: self._inbound.command(body))
        await self._ack_interaction(ack, outcome)

    async def on_action(self, body: dict[str, Any], ack: Any) -> None:
        outcome = await self._within_budget(lambda: self._inbound.action(body))
        await self._ack_interaction(ack, outcome)

    async def on_other(self, ack: Any) -> None:
        await ack()  # shortcuts, views, options: nothing of ours, but Slack wants an answer

    async def _ack_interaction(self, ack: Any, outcome: Outcome) -> None:
        """Commands and clicks are not retried by Slack: a failure is apologised for, privately, at once."""
        if outcome is Outcome.FAILED:
            await ack(text=self._error_text, response_type="ephemeral")
        else:
            await ack()

    # --- handing over to the core ------------------------------------------------------------------------
    async def _within_budget(self, translate: Callable[[], Awaitable[Event | None]]) -> Outcome:
        sink = self._sink
        if sink is None:
            return Outcome.FAILED  # not started, or stopping
        task = asyncio.create_task(self._deliver(translate, sink))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        done, _ = await asyncio.wait({task}, timeout=self._ack_budget)
        return task.result() if done else Outcome.PENDING

    async def _deliver(self, translate: Callable[[], Awaitable[Event | None]], sink: EventSink) -> Outcome:
        try:
            event = await translate()
        except Exception as err:  # a payload we could not make sense of: acknowledged and ignored
            log.warning("slack payload not understood", extra={"error": type(err).__name__})
            return Outcome.DONE
        if event is None:
            return Outcome.DONE
        try:
            await sink(event)
        except Exception as err:  # ids and the error's type only: exception texts can quote stored data
            log.error("slack event not handled", extra={"event_id": event.event_id,
                                                        "event_type": type(event).__name__,
                                                        "error": type(err).__name__})
            return Outcome.FAILED
        return Outcome.DONE
