"""The Telegram adapter on python-telegram-bot v22 (an Application, used as a library: no run_polling, no
signal handlers of its own; `agora run` owns the process).

Two ways to receive updates:
- long polling (the default): PTB's Updater calls getUpdates; each update reaches `_on_update` through a
  TypeHandler;
- a webhook, when TELEGRAM_WEBHOOK_URL is set: setWebhook at start with a secret token, and the updates are
  served by `routes()` on the process's HTTP server (see webhook.py). With several processes behind the
  same URL, set TELEGRAM_WEBHOOK_SECRET: otherwise each process makes up its own and only the last one wins.

Either way an update is translated (inbound.py) and handed to the core in a task of its own, so a slow handler
never holds the next update; a button press is acknowledged (answerCallbackQuery) first, at once, so the
member's button stops spinning whatever the handler does. Tasks in flight are awaited on stop.

Acknowledging: in webhook mode the HTTP answer is the acknowledgement (see webhook.py: it waits up to 2 s for
the core, so an update is usually durable before Telegram forgets it). In polling mode PTB confirms updates
with the next getUpdates offset once fetched; on a clean stop it hands over every update it holds first, so
only a crash between fetching and handling can lose one.

Sending (outbound.py) goes through the outbox, which paces it: 30 messages/s overall and one per second per
chat (Telegram's limits). PTB's own rate limiter is not used, so a 429 comes back to the outbox as RetryLater.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from telegram import Message, Update
from telegram.error import ChatMigrated, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from adapters.telegram_bot.admins import GroupAdmins
from adapters.telegram_bot.files import send_with_files
from adapters.telegram_bot.inbound import PLATFORM, BotIdentity, translate
from adapters.telegram_bot.outbound import Outgoing, outgoing, send_error
from adapters.telegram_bot.polling import UpdatesRequest
from adapters.telegram_bot.sdk_logs import quiet_sdk_logs
from adapters.telegram_bot.webhook import WebhookReceiver, webhook_endpoint
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.events import Event
from bot.http import Route
from bot.ports import Capabilities, EventSink, SendResult, TransientFailure
from bot.replies import OutboundMessage

log = logging.getLogger("agora.telegram")

DEFAULT_API_URL = "https://api.telegram.org/bot"
# The updates Agora uses. Others (edits, chat_member...) are not even sent to us. Reactions count as activity
# (Telegram sends them only where the bot is a group administrator).
ALLOWED_UPDATES = ("message", "callback_query", "message_reaction")
POLL_TIMEOUT = 25  # seconds a getUpdates long poll may wait on Telegram's side

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def api_urls(configured: str | None) -> tuple[str, str]:
    """(base_url, base_file_url) for PTB from TELEGRAM_API_URL, which names the API root as Telegram does
    ("https://api.telegram.org/bot"; PTB appends the token). A root given without "/bot" gets it."""
    base = (configured or DEFAULT_API_URL).rstrip("/")
    if "{token}" in base:
        return base, base.replace("/bot{token}", "/file/bot{token}")
    if not base.endswith("/bot"):
        base += "/bot"
    return base, base[: -len("/bot")] + "/file/bot"


class TelegramAdapter:
    """Implements bot.ports.Adapter for Telegram."""

    platform = PLATFORM
    capabilities = Capabilities(buttons=True, ephemeral=False, threads=True, dm=True, files=True, max_text=4000,
                                rate_per_second=30.0, per_channel_interval=1.0)
    deliver_inline = False

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        quiet_sdk_logs()
        self._token = settings.telegram_bot_token.get_secret_value()
        self._base_url, self._file_url = api_urls(settings.telegram_api_url)
        self._clock = clock or SystemClock()
        self._webhook_url: str | None = None
        self._receiver: WebhookReceiver | None = None
        self._path = ""
        self._secret = ""
        if settings.telegram_webhook_url:
            self._webhook_url, self._path = webhook_endpoint(settings.telegram_webhook_url)
            configured = settings.telegram_webhook_secret
            # Unset: a strong one of our own (fine for one process; several must share a configured one).
            self._secret = (configured.get_secret_value() if configured is not None
                            else secrets.token_urlsafe(32))
            self._receiver = WebhookReceiver(self._secret, self._accept_json, lambda: self._open)
        self._app: AnyApplication | None = None
        self._me: BotIdentity | None = None
        self._sink: EventSink | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._open = False
        self._admins = GroupAdmins(self._group_admins, self._clock.monotonic)

    @property
    def webhook(self) -> bool:
        return self._receiver is not None

    # --- the port ----------------------------------------------------------------------------------------
    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        app = self._build()
        try:
            await app.initialize()  # getMe: a wrong token fails here, loudly
            self._me = BotIdentity(app.bot.id, app.bot.username)
            app.add_handler(TypeHandler(Update, self._on_update))
            app.add_error_handler(self._on_error)
            await app.start()
            self._app, self._open = app, True
            if self._receiver is not None:
                assert self._webhook_url is not None
                await app.bot.set_webhook(self._webhook_url, secret_token=self._secret,
                                          allowed_updates=list(ALLOWED_UPDATES))
            else:
                assert app.updater is not None
                await app.updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=list(ALLOWED_UPDATES),
                                                bootstrap_retries=3, error_callback=self._on_polling_error)
        except BaseException:
            self._app, self._open = None, False
            await self._close(app)
            raise
        log.info("telegram adapter started", extra={"mode": "webhook" if self.webhook else "polling",
                                                    "bot_id": app.bot.id})

    async def stop(self) -> None:
        """No update is taken after this returns; updates already received are handled first. The webhook
        stays registered, so Telegram keeps new updates for the next start."""
        self._open = False
        app = self._app
        if app is not None:
            await self._halt(app)
        if self._tasks:  # the bot can still answer button presses and send while these finish
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        self._app = None
        if app is not None:
            await app.shutdown()

    async def send(self, message: OutboundMessage) -> SendResult:
        if self._app is None:
            raise TransientFailure("telegram adapter not started")
        call = outgoing(message)
        try:
            try:
                sent = await self._deliver_call(call, message)
            except ChatMigrated as moved:  # a group became a supergroup: same conversation, new id
                moved_call = replace(call, kwargs={**call.kwargs, "chat_id": moved.new_chat_id})
                sent = await self._deliver_call(moved_call, message)
        except TelegramError as err:
            raise send_error(err, private=call.private) from err
        return SendResult(external_id=f"{sent.chat_id}:{sent.message_id}")

    async def _deliver_call(self, call: Outgoing, message: OutboundMessage) -> Message:
        assert self._app is not None
        if message.attachments:
            return await send_with_files(self._app.bot, call, message.attachments)
        sent: Message = await self._app.bot.send_message(**call.kwargs)
        return sent

    def routes(self) -> Sequence[Route]:
        """The webhook path, served by `agora run` (AGORA_HTTP_PORT). Nothing in polling mode."""
        if self._receiver is None:
            return []
        return [("POST", self._path, self._receiver.handle)]

    # --- lifecycle details -------------------------------------------------------------------------------
    def _build(self) -> AnyApplication:
        builder = (ApplicationBuilder().token(self._token).base_url(self._base_url)
                   .base_file_url(self._file_url).job_queue(None))
        if self.webhook:
            builder = builder.updater(None)
        else:
            builder = builder.get_updates_request(UpdatesRequest(connection_pool_size=1))
        return builder.build()

    @staticmethod
    async def _halt(app: AnyApplication) -> None:
        """Stop polling (PTB confirms what it fetched); the Application hands over the updates it holds."""
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()

    async def _close(self, app: AnyApplication) -> None:
        await self._halt(app)
        await app.shutdown()

    # --- receiving ---------------------------------------------------------------------------------------
    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        self._accept(update)

    def _accept_json(self, data: dict[str, Any]) -> asyncio.Task[None] | None:
        if self._app is None:
            return None
        try:
            update = Update.de_json(data, self._app.bot)
        except Exception as exc:  # a shape PTB cannot read: acknowledged and dropped, not re-sent forever
            log.warning("unreadable telegram update skipped", extra={"update_id": data.get("update_id"),
                                                                     "error": type(exc).__name__})
            return None
        return self._accept(update)

    def _accept(self, update: Update) -> asyncio.Task[None] | None:
        """Translate and hand over in a task; returns it (None when the update means nothing to Agora)."""
        if self._me is None or self._sink is None:
            return None
        try:
            events = translate(update, self._me, self._clock.now())
        except Exception as exc:  # odd but parseable shapes: ignored, the adapter goes on
            log.warning("telegram update not understood", extra={"update_id": update.update_id,
                                                                  "error": type(exc).__name__})
            events = []
        query = update.callback_query.id if update.callback_query is not None else None
        if not events and query is None:
            log.debug("telegram update ignored", extra={"update_id": update.update_id})
            return None
        task = asyncio.create_task(self._deliver(query, events, self._sink), name="agora-telegram-update")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _deliver(self, query: str | None, events: list[Event], sink: EventSink) -> None:
        if query is not None:
            await self._answer(query)
        for event in events:
            try:
                await sink(await self._admins.flag(event))
            except Exception as exc:  # the core logs the details; this update is over, the next ones are not
                log.warning("telegram event failed", extra={"event_id": event.event_id,
                                                            "error": type(exc).__name__})

    async def _group_admins(self, chat_id: int) -> set[str]:
        if self._app is None:
            return set()
        members = await self._app.bot.get_chat_administrators(chat_id)
        return {str(member.user.id) for member in members}

    async def _answer(self, query_id: str) -> None:
        """answerCallbackQuery: stops the button's spinner. The handler's reply comes as a message."""
        if self._app is None:
            return
        try:
            await self._app.bot.answer_callback_query(query_id)
        except Exception as exc:  # too old (a re-delivery), a network error...: the click still counts
            log.info("callback query not answered", extra={"error": type(exc).__name__})

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.warning("telegram update failed", extra={"update_id": update_id,
                                                     "error": type(context.error).__name__})

    def _on_polling_error(self, error: TelegramError) -> None:
        log.warning("telegram polling failed; retrying", extra={"error": type(error).__name__})
