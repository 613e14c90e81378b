"""A fake Slack on 127.0.0.1 for tests: the Web API, response URLs and Socket Mode, plus Slack's side of the
inbound traffic (signed Events API, slash command and interactivity requests, or envelopes over the socket).

It records every call, answers what slack-bolt and slack_sdk need (auth.test, users.info, conversations.open,
chat.postMessage, chat.postEphemeral, apps.connections.open), and can misbehave as Slack does: 429 with
Retry-After for the next N sends, DMs refused for chosen members. Like Slack, it gives up on an inbound
request after 3 seconds and records whether each delivery was acknowledged in time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from tests.contract.harness import Sent

SIGNING_SECRET = "fake-signing-secret"
BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
TEAM = "T0AGORA"
BOT_USER = "UAGORABOT"
BOT_ID = "BAGORA"
DEADLINE = 3.0  # Slack's: an answer later than this is a failure (events are retried, commands error out)
SENDING = frozenset({"chat.postMessage", "chat.postEphemeral", "conversations.open"})
FORM = "application/x-www-form-urlencoded"


@dataclass
class Delivery:
    """One inbound request (or socket envelope) and how the bot answered it."""

    status: int | None  # None: no answer within the deadline
    seconds: float
    in_time: bool
    body: Any = None


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any] = field(default_factory=dict)


class SlackFake:
    def __init__(self, signing_secret: str = SIGNING_SECRET) -> None:
        self.signing_secret = signing_secret
        self.calls: list[ApiCall] = []
        self.sent: list[Sent] = []
        self.deliveries: list[Delivery] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.refused: dict[str, str] = {}  # user -> the error Slack gives for a DM to them
        self.uploads: dict[str, dict[str, Any]] = {}  # file id -> filename, announced length, bytes received
        self.shared: list[dict[str, Any]] = []  # completed uploads: channel, thread, file names, comment
        self.bot_url: str | None = None  # where the bot serves /slack/events
        self.socket_connected = asyncio.Event()
        self._limited, self._retry_after = 0, "1"
        self._failing = 0
        self._expired = False
        self._last: tuple[bytes, str, bool] | None = None  # body, content type, is an Events API request
        self._retries = 0
        self._responders: dict[str, tuple[str, str]] = {}  # response_url key -> (channel, user)
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base = ""

    # --- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> SlackFake:
        application = web.Application()
        application.router.add_route("*", "/api/{method}", self._api)
        application.router.add_post("/respond/{key}", self._respond)
        application.router.add_post("/upload/{file_id}", self._upload)
        application.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    # --- misbehaving on purpose --------------------------------------------------------------------------
    def rate_limit(self, count: int = 1, retry_after: float = 1.0) -> None:
        self._limited, self._retry_after = count, f"{retry_after:g}"

    def fail(self, count: int = 1) -> None:
        """The next `count` sends get HTTP 500, as during a Slack incident."""
        self._failing = count

    def expire_response_urls(self) -> None:
        """From now on every response_url answers 404 expired_url, as after 30 minutes or 5 uses."""
        self._expired = True

    def refuse_dms(self, user: str, error: str = "cannot_dm_bot") -> None:
        self.refused[user] = error

    def add_user(self, user: str, name: str = "", **extra: Any) -> None:
        self.users[user] = {"id": user, "name": name.lower() or user.lower(), "real_name": name,
                            "profile": {"display_name": name, "real_name": name}, **extra}

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def dm_channel(self, user: str) -> str:
        return f"D{user}"

    def ts(self) -> str:
        return f"{int(time.time())}.{next(self._seq):06d}"

    # --- the Web API -------------------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(dict(await request.post()))
        if isinstance(params.get("blocks"), str):
            params["blocks"] = json.loads(params["blocks"])
        self.calls.append(ApiCall(method, params))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if method == "apps.connections.open":
            if token != APP_TOKEN:
                return web.json_response({"ok": False, "error": "invalid_auth"})
            url = f"ws://127.0.0.1:{request.url.port}/socket?ticket=t"
            return web.json_response({"ok": True, "url": url})
        if token != BOT_TOKEN:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method in SENDING and self._limited > 0:
            self._limited -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": self._retry_after})
        if method in SENDING and self._failing > 0:
            self._failing -= 1
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        handler = {
            "auth.test": self._auth_test, "users.info": self._users_info, "conversations.open": self._open,
            "chat.postMessage": self._post, "chat.postEphemeral": self._post_ephemeral,
            "files.getUploadURLExternal": self._upload_url, "files.completeUploadExternal": self._complete,
        }.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(handler(params))

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.base, "team": "Agora test", "user": "agora", "team_id": TEAM,
                "user_id": BOT_USER, "bot_id": BOT_ID}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user", ""))
        found = self.users.get(user) or {"id": user, "name": user.lower(), "profile": {"display_name": user}}
        return {"ok": True, "user": found}

    def _open(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("users", ""))
        if user in self.refused:
            return {"ok": False, "error": self.refused[user]}
        return {"ok": True, "channel": {"id": self.dm_channel(user)}}

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, thread = str(params.get("channel", "")), params.get("thread_ts")
        owner = channel[1:] if channel.startswith("D") else None  # the fake's DM channels are "D" + user id
        if owner is not None and owner in self.refused:
            return {"ok": False, "error": "channel_not_found"}
        kind = "dm" if owner is not None else "thread" if thread else "channel"
        self.sent.append(Sent(kind, channel, thread, owner, str(params.get("text", "")), _action_ids(params)))
        return {"ok": True, "channel": channel, "ts": self.ts()}

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._seq):06d}"
        self.uploads[file_id] = {"filename": params.get("filename"), "length": int(params.get("length", 0)),
                                 "content": None}
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        found = self.uploads.get(request.match_info["file_id"])
        if found is None:
            return web.Response(status=404, text="unknown upload")
        found["content"] = await request.read()
        if len(found["content"]) != found["length"]:
            return web.Response(status=400, text="length mismatch")
        return web.Response(text=f"OK - {found['length']}")

    def _complete(self, params: dict[str, Any]) -> dict[str, Any]:
        listed = params.get("files")
        items = json.loads(listed) if isinstance(listed, str) else listed or []
        if not items or any(self.uploads.get(i.get("id"), {}).get("content") is None for i in items):
            return {"ok": False, "error": "file_upload_incomplete"}
        channel = str(params.get("channel_id", ""))
        owner = channel[1:] if channel.startswith("D") else None
        names = tuple(str(self.uploads[i["id"]]["filename"]) for i in items)
        self.shared.append({"channel": channel, "thread": params.get("thread_ts"), "files": names,
                            "comment": params.get("initial_comment"),
                            "contents": tuple(self.uploads[i["id"]]["content"] for i in items)})
        if params.get("initial_comment"):
            kind = "dm" if owner is not None else "thread" if params.get("thread_ts") else "channel"
            self.sent.append(Sent(kind, channel, params.get("thread_ts"), owner, str(params["initial_comment"])))
        return {"ok": True, "files": [{"id": i["id"], "title": i.get("title")} for i in items]}

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(Sent("ephemeral", str(params.get("channel")), params.get("thread_ts"),
                              str(params.get("user")), str(params.get("text", "")), _action_ids(params)))
        return {"ok": True, "message_ts": self.ts()}

    async def _respond(self, request: web.Request) -> web.Response:
        target = self._responders.get(request.match_info["key"])
        if target is None or self._expired:
            return web.Response(status=404, text="expired_url")
        if self._limited > 0:
            self._limited -= 1
            return web.Response(status=429, text="rate_limited", headers={"Retry-After": self._retry_after})
        data = await request.json()
        kind = "interaction" if data.get("response_type") == "in_channel" else "ephemeral"
        self.calls.append(ApiCall("response_url", data))
        self.sent.append(Sent(kind, target[0], None, target[1], str(data.get("text", "")), _action_ids(data)))
        return web.Response(text="ok")

    def response_url(self, channel: str, user: str) -> str:
        key = uuid.uuid4().hex
        self._responders[key] = (channel, user)
        return f"{self.base}/respond/{key}"

    # --- Socket Mode -------------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0AGORA"}})
        self.socket_connected.set()
        async for frame in ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                ack = json.loads(frame.data)
                future = self._acks.pop(str(ack.get("envelope_id")), None)
                if future is not None and not future.done():
                    future.set_result(ack)
        self._sockets.remove(ws)
        return ws

    async def envelope(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0) -> Delivery:
        """Push an envelope ("events_api", "slash_commands", "interactive") over the socket; await its ack."""
        await asyncio.wait_for(self.socket_connected.wait(), 10)
        envelope_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        started = time.monotonic()
        await self._sockets[-1].send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                           "accepts_response_payload": kind != "events_api",
                                           "retry_attempt": retry_attempt, "retry_reason": ""})
        try:
            ack = await asyncio.wait_for(future, DEADLINE)
            delivery = Delivery(200, time.monotonic() - started, True, ack)
        except TimeoutError:
            delivery = Delivery(None, time.monotonic() - started, False)
        self.deliveries.append(delivery)
        return delivery

    # --- Slack's requests to the bot ---------------------------------------------------------------------
    def signature_headers(self, body: bytes, timestamp: int | None = None,
                          secret: str | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        base = b"v0:" + stamp.encode() + b":" + body
        digest = hmac.new((secret or self.signing_secret).encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}

    async def post(self, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> Delivery:
        """POST to the bot as Slack does, giving up after the deadline. `headers` replace the signature."""
        assert self.bot_url is not None, "bot_url is not set"
        signature = self.signature_headers(body) if headers is None else headers
        sent_headers = {"Content-Type": content_type, **signature}
        started = time.monotonic()
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DEADLINE)) as session, \
                    session.post(self.bot_url, data=body, headers=sent_headers) as response:
                text = await response.text()
                delivery = Delivery(response.status, time.monotonic() - started, True, text)
        except TimeoutError:
            delivery = Delivery(None, time.monotonic() - started, False)
        self.deliveries.append(delivery)
        return delivery

    async def _send(self, body: bytes, content_type: str, is_event: bool) -> Delivery:
        self._last, self._retries = (body, content_type, is_event), 0
        return await self.post(body, content_type)

    async def redeliver_last(self) -> Delivery:
        """The last request again, as Slack retries it: same body, fresh signature, X-Slack-Retry-Num."""
        assert self._last is not None
        body, content_type, is_event = self._last
        headers = self.signature_headers(body)
        if is_event:
            self._retries += 1
            headers |= {"X-Slack-Retry-Num": str(self._retries), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(body, content_type, headers)

    def event_body(self, event: Any, event_id: str | None = None, team: str = TEAM) -> dict[str, Any]:
        return {"token": "legacy", "team_id": team, "api_app_id": "A0AGORA", "event": event,
                "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time())}

    async def event(self, event: dict[str, Any], event_id: str | None = None) -> Delivery:
        if event.get("type") == "team_join" and isinstance(event.get("user"), dict):
            self.users.setdefault(event["user"]["id"], event["user"])  # Slack knows who joined
        body = json.dumps(self.event_body(event, event_id)).encode()
        return await self._send(body, "application/json", True)

    def command_form(self, user: str, text: str, channel: str = "C1",
                     command: str = "/agora") -> dict[str, str]:
        return {"token": "legacy", "team_id": TEAM, "team_domain": "agora", "channel_id": channel,
                "channel_name": "directmessage" if channel.startswith("D") else "general", "user_id": user,
                "user_name": user.lower(), "command": command, "text": text, "api_app_id": "A0AGORA",
                "response_url": self.response_url(channel, user), "trigger_id": trigger_id()}

    async def command(self, user: str, text: str, channel: str = "C1", command: str = "/agora") -> Delivery:
        form = self.command_form(user, text, channel, command)
        return await self._send(urlencode(form).encode(), FORM, False)

    def action_payload(self, user: str, action_id: str, channel: str = "C1",
                       thread: str | None = None) -> dict[str, Any]:
        container = {"type": "message", "message_ts": self.ts(), "channel_id": channel, "is_ephemeral": False}
        if thread is not None:
            container["thread_ts"] = thread
        return {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": TEAM},
                "api_app_id": "A0AGORA", "team": {"id": TEAM, "domain": "agora"}, "container": container,
                "channel": {"id": channel, "name": "general"}, "trigger_id": trigger_id(),
                "response_url": self.response_url(channel, user),
                "actions": [{"action_id": action_id, "block_id": "agora-actions-0", "type": "button",
                             "action_ts": self.ts()}]}

    async def action(self, user: str, action_id: str, channel: str = "C1",
                     thread: str | None = None) -> Delivery:
        payload = json.dumps(self.action_payload(user, action_id, channel, thread))
        return await self._send(urlencode({"payload": payload}).encode(), FORM, False)


def trigger_id() -> str:
    return f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().int % 10**6}.{uuid.uuid4().hex[:12]}"


def _action_ids(params: dict[str, Any]) -> tuple[str, ...]:
    blocks = params.get("blocks") or []
    return tuple(str(element.get("action_id")) for block in blocks if block.get("type") == "actions"
                 for element in block.get("elements", []))
