"""A fake Telegram Bot API on 127.0.0.1 (any free port), speaking the wire protocol python-telegram-bot uses,
so the real SDK runs unmodified against it (see shared docs: platforms.md).

It answers `POST /bot<token>/<method>` with `{"ok": true, "result": ...}` for what the adapter needs
(getMe, deleteWebhook, setWebhook, getUpdates as a real long poll honouring `offset`, sendMessage,
answerCallbackQuery) and records every call. Tests inject updates with `push` (served by getUpdates, or
POSTed to the registered webhook with its secret token), and steer faults: 429 with Retry-After for the next
N sends, 403 for DMs to chosen users, 5xx. Telegram's 3-second window for answering a button press is
enforced: an answer that comes later is refused as Telegram does ("query is too old") and recorded as missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456:TEST-token-for-the-fake"
BOT_ID = 123456
BOT_USERNAME = "agora_test_bot"
DEADLINE = 3.0  # seconds Telegram gives a bot to answer a callback query
MAX_TEXT = 4096
# Parameters PTB sends JSON-encoded inside its form fields.
JSON_PARAMS = {"reply_markup", "reply_parameters", "allowed_updates", "link_preview_options", "entities"}
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
             "pre", "blockquote", "tg-emoji"}
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class Callback:
    """A callback query the fake delivered: when, and when (if ever) the bot answered it."""

    query_id: str
    delivered_at: float | None = None
    answered_at: float | None = None

    @property
    def met(self) -> bool:
        return (self.delivered_at is not None and self.answered_at is not None
                and self.answered_at - self.delivered_at <= DEADLINE)


@dataclass
class Delivery:
    """One webhook POST the fake made: the update, the HTTP status it got and how long the answer took."""

    update_id: int | None
    status: int
    seconds: float

    @property
    def met(self) -> bool:
        return 200 <= self.status < 300 and self.seconds <= DEADLINE


@dataclass
class Faults:
    rate_limited: int = 0
    retry_after: float = 1.0
    failing: int = 0
    failure_status: int = 502
    refused: set[int] = field(default_factory=set)


class FakeTelegram:
    def __init__(self, token: str = TOKEN, bot_id: int = BOT_ID, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot: dict[str, Any] = {"id": bot_id, "is_bot": True, "first_name": "Agora", "username": username,
                    "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []  # every sendMessage Telegram accepted, as sent
        self.callbacks: dict[str, Callback] = {}
        self.deliveries: list[Delivery] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.allowed_updates: list[str] | None = None
        self.faults = Faults()
        self.admins: dict[int, list[int]] = {}  # group chat id -> its administrators' user ids
        self.files: list[dict[str, Any]] = []  # every sendDocument/sendPhoto: chat_id, method, filename, content
        self._pending: list[dict[str, Any]] = []  # not yet confirmed by a getUpdates offset
        self._again: list[dict[str, Any]] = []  # re-deliveries, served once whatever the offset
        self._arrived = asyncio.Event()
        self._closing = asyncio.Event()
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        application = web.Application()
        application.router.add_route("*", "/bot{token}/{method}", self._api)
        self._runner = web.AppRunner(application, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        self._closing.set()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """What TELEGRAM_API_URL should say (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- inbound: what Telegram sends the bot ------------------------------------------------------------
    def update(self, **body: Any) -> dict[str, Any]:
        """A new update with the next update_id, e.g. `update(message={...})`."""
        return {"update_id": next(self._update_ids), **body}

    def message_id(self) -> int:
        return next(self._message_ids)

    async def push(self, update: dict[str, Any]) -> int | None:
        """Deliver an update: POSTed to the webhook when one is set (returns the HTTP status), else kept for
        getUpdates (returns None)."""
        if self.webhook_url is not None:
            return await self.post_webhook(update, self.webhook_secret)
        self._pending.append(update)
        self._arrived.set()
        return None

    async def redeliver(self, update: dict[str, Any]) -> int | None:
        """The same update again, as Telegram does when it believes the bot did not get it."""
        if self.webhook_url is not None:
            return await self.post_webhook(update, self.webhook_secret)
        self._again.append(update)
        self._arrived.set()
        return None

    async def post_webhook(self, update: Any, secret: str | None, *, raw: bytes | None = None) -> int:
        """POST to the registered webhook as Telegram does (or with any secret and body, to forge one)."""
        assert self.webhook_url is not None and self._session is not None
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = raw if raw is not None else json.dumps(update).encode("utf-8")
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if isinstance(update, dict):
            self._delivered([update])
        started = time.monotonic()
        async with self._session.post(self.webhook_url, data=body, headers=headers) as response:
            status = response.status
        self.deliveries.append(Delivery(update_id, status, time.monotonic() - started))
        return status

    def _delivered(self, updates: list[dict[str, Any]]) -> None:
        now = time.monotonic()
        for update in updates:
            query = update.get("callback_query")
            if isinstance(query, dict) and "id" in query:
                record = self.callbacks.setdefault(str(query["id"]), Callback(str(query["id"])))
                if record.delivered_at is None:
                    record.delivered_at = now

    # --- faults ------------------------------------------------------------------------------------------
    def rate_limit(self, count: int = 1, retry_after: float = 1.0) -> None:
        self.faults.rate_limited, self.faults.retry_after = count, retry_after

    def refuse(self, chat_id: int) -> None:
        """DMs to this user get 403, as for a member who never started the bot or blocked it."""
        self.faults.refused.add(chat_id)

    def fail(self, count: int = 1, status: int = 502) -> None:
        self.faults.failing, self.faults.failure_status = count, status

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # --- the Bot API -------------------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            response = _error(401, "Unauthorized")
        else:
            handler = getattr(self, f"_m_{method}", None)
            response = await handler(params) if handler is not None else _error(404, "Not Found")
        call.status = response.status
        return response

    async def _m_getMe(self, params: dict[str, Any]) -> web.Response:
        return _ok(self.bot)

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook_url = self.webhook_secret = None
        if _truthy(params.get("drop_pending_updates")):
            self._pending.clear()
        return _ok(True)

    async def _m_setWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook_url = params.get("url") or None
        self.webhook_secret = params.get("secret_token") or None
        self.allowed_updates = params.get("allowed_updates")
        return _ok(True)

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> web.Response:
        return _ok({"url": self.webhook_url or "", "has_custom_certificate": False,
                    "pending_update_count": len(self._pending)})

    async def _m_getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook_url is not None:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        self.allowed_updates = params.get("allowed_updates", self.allowed_updates)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]  # the offset confirms
            if self._pending or self._again or self._closing.is_set() or loop.time() >= deadline:
                break
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), deadline - loop.time())
        batch, self._again = [*self._again, *self._pending][:limit], []
        self._delivered(batch)
        return _ok(batch)

    async def _m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        if self.faults.failing > 0:
            self.faults.failing -= 1
            return _error(self.faults.failure_status, "Internal Server Error")
        if self.faults.rate_limited > 0:
            self.faults.rate_limited -= 1
            wait = self.faults.retry_after
            return _error(429, f"Too Many Requests: retry after {wait}", parameters={"retry_after": wait},
                          headers={"Retry-After": str(wait)})
        if chat_id in self.faults.refused:
            return _error(403, "Forbidden: bot can't initiate conversation with a user")
        problem = _check_message(params)
        if problem is not None:
            return _error(400, f"Bad Request: {problem}")
        self.messages.append(params)
        result: dict[str, Any] = {
            "message_id": self.message_id(), "date": int(time.time()), "from": self.bot,
            "text": params["text"],
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
        }
        if params.get("message_thread_id"):
            result.update(message_thread_id=int(params["message_thread_id"]), is_topic_message=True)
        return _ok(result)

    async def _m_sendDocument(self, params: dict[str, Any]) -> web.Response:
        return self._file("sendDocument", "document", params)

    async def _m_sendPhoto(self, params: dict[str, Any]) -> web.Response:
        return self._file("sendPhoto", "photo", params)

    def _file(self, method: str, field: str, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        upload = params.get(field)
        if not isinstance(upload, tuple):
            return _error(400, f"Bad Request: there is no {field} in the request")
        if chat_id in self.faults.refused:
            return _error(403, "Forbidden: bot can't initiate conversation with a user")
        filename, content = upload
        caption = str(params.get("caption", ""))
        self.files.append({"chat_id": chat_id, "method": method, "filename": filename, "content": content,
                           "caption": caption})
        if caption:  # the caption is the message's text: the harness reads it like one
            self.messages.append({"chat_id": chat_id, "text": caption, "file": filename,
                                  **{k: params[k] for k in ("reply_markup", "message_thread_id") if k in params}})
        result: dict[str, Any] = {"message_id": self.message_id(), "date": int(time.time()), "from": self.bot,
                                  "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                                  "caption": caption}
        if method == "sendPhoto":
            result["photo"] = [{"file_id": f"p{len(self.files)}", "file_unique_id": f"u{len(self.files)}",
                                "width": 800, "height": 600}]
        else:
            result["document"] = {"file_id": f"d{len(self.files)}", "file_unique_id": f"u{len(self.files)}",
                                  "file_name": filename}
        return _ok(result)

    async def _m_getChatAdministrators(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        if chat_id > 0:
            return _error(400, "Bad Request: there are no administrators in the private chat")
        return _ok([{"status": "administrator", "user": {"id": user, "is_bot": False, "first_name": f"A{user}"},
                     "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                     "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
                     "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
                     "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False}
                    for user in self.admins.get(chat_id, [])])

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        query_id = str(params.get("callback_query_id"))
        record = self.callbacks.get(query_id)
        if record is None:
            return _error(400, TOO_OLD)
        late = record.answered_at is not None or record.delivered_at is None or (
            time.monotonic() - record.delivered_at > DEADLINE)
        if record.answered_at is None:
            record.answered_at = time.monotonic()
        if late:
            return _error(400, TOO_OLD)
        return _ok(True)


# --- helpers ---------------------------------------------------------------------------------------------
async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):  # an upload: (file name, bytes)
            params[key] = (value.filename, value.file.read())
            continue
        text = value if isinstance(value, str) else str(value)
        params[key] = json.loads(text) if key in JSON_PARAMS else text
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, parameters: dict[str, Any] | None = None,
           headers: dict[str, str] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status, headers=headers)


def _truthy(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


class _TagChecker(HTMLParser):
    """What Telegram's HTML parse mode accepts: a few tags, properly nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            self.problem = self.problem or f"can't parse entities: unsupported start tag \"{tag}\""
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problem = self.problem or f"can't parse entities: unexpected end tag \"{tag}\""


def _check_message(params: dict[str, Any]) -> str | None:
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        return "message text is empty"
    if params.get("parse_mode") == "HTML":
        checker = _TagChecker()
        checker.feed(text)
        checker.close()
        if checker.problem or checker.open:
            return checker.problem or "can't parse entities: unclosed tag"
        if len(_visible(text)) > MAX_TEXT:
            return "message is too long"
    elif len(text) > MAX_TEXT:
        return "message is too long"
    markup = params.get("reply_markup")
    if isinstance(markup, dict):
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if len(str(button.get("callback_data", "")).encode("utf-8")) > 64:
                    return "BUTTON_DATA_INVALID"
    return None


def _visible(html_text: str) -> str:
    """The text as Telegram counts it: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))
