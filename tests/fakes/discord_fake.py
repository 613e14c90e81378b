"""A fake of Discord's wire protocol for tests: the REST API and the gateway websocket on 127.0.0.1, port 0.

It serves what discord.py needs to log in and connect (GET /users/@me, GET /oauth2/applications/@me, then
on the gateway HELLO, IDENTIFY, READY with `resume_gateway_url`, GUILD_CREATE, heartbeats), records every
call, and can dispatch MESSAGE_CREATE, THREAD_CREATE, GUILD_MEMBER_ADD and INTERACTION_CREATE. It behaves as
Discord does where tests depend on it: JSON answers carry exactly `Content-Type: application/json`
(discord.py parses nothing else), a 429 carries a `Via` header (without one discord.py takes it for a
Cloudflare ban), an interaction callback later than `deadline` seconds is refused with 10062 "Unknown
interaction", a follow-up needs an acknowledged interaction whose token is less than 15 minutes old, and a
DM to a member with DMs closed gets 403 code 50007. It also plays Discord's side of HTTP interactions:
`post_interaction` signs a payload with the application's Ed25519 key and posts it to the bot's endpoint,
timing the answer against the same deadline.

Ids are snowflakes (integers); tests speak in names ("U100", "C1") and `Names` maps both ways.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from nacl.signing import SigningKey

API = "/api/v10"
TOKEN_TTL = 15 * 60.0
STAMP = "2026-01-05T09:00:00+00:00"
# guilds, members, guild messages, DMs, message content
INTENTS_NEEDED = (1 << 0) | (1 << 1) | (1 << 9) | (1 << 12) | (1 << 15)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer with exactly `application/json` (aiohttp's json_response appends a charset)."""
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json",
                        headers=headers)


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)


def _message(mid: int, channel: int, content: str, author: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(mid), "channel_id": str(channel), "type": 0, "content": content, "author": author,
            "timestamp": STAMP, "edited_timestamp": None, "tts": False, "mention_everyone": False,
            "mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "flags": 0,
            "components": []}


class Names:
    """Test names <-> Discord snowflakes, assigned on first use."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self._next = itertools.count(1_100_000_000_000_000_001)

    def id(self, name: str) -> int:
        if name not in self._ids:
            value = next(self._next)
            self._ids[name], self._names[value] = value, name
        return self._ids[name]

    def new(self) -> int:
        return next(self._next)

    def name(self, snowflake: int | str | None) -> str | None:
        if snowflake is None:
            return None
        return self._names.get(int(snowflake), str(snowflake))


@dataclass
class Call:
    """One request the bot made. `json` is the decoded body (None when there was none)."""

    method: str
    path: str
    json: Any
    status: int
    at: float


@dataclass
class Channel:
    kind: str  # "text" | "thread" | "dm"
    parent: int | None = None  # threads
    user: int | None = None  # DMs: the member at the other end


@dataclass
class Interaction:
    id: int
    token: str
    user: int
    channel: int
    dispatched_at: float
    callback_type: int | None = None
    callback_at: float | None = None
    late_callbacks: int = 0

    @property
    def acked_in_time(self) -> bool:
        return self.callback_type is not None


@dataclass
class DiscordFake:
    deadline: float = 3.0
    names: Names = field(default_factory=Names)
    calls: list[Call] = field(default_factory=list)
    channels: dict[int, Channel] = field(default_factory=dict)
    interactions: dict[int, Interaction] = field(default_factory=dict)
    synced_commands: list[Any] = field(default_factory=list)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    refused_dm_users: set[int] = field(default_factory=set)
    files: list[tuple[int, str, bytes]] = field(default_factory=list)  # (channel id, file name, bytes) sent
    # Who is in which guild (GET /guilds/{id}/members/{user}); guilds other than G1 are empty but for the bot.
    members: dict[int, set[int]] = field(default_factory=dict)
    other_guilds: list[str] = field(default_factory=list)
    inbound: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    token: str = "fake-bot-token"
    refuse_identify: int | None = None  # a close code to answer IDENTIFY with
    signing_key: SigningKey = field(default_factory=SigningKey.generate)

    def __post_init__(self) -> None:
        self.app_id = self.names.id("APP")
        self.bot_id = self.app_id  # Discord bots' user id is their application id
        self.guild_id = self.names.id("G1")
        self.owner_id = self.names.id("OWNER")
        self._sessions: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self._seq = 0
        self._rate_limited = 0
        self._retry_after = 0.5
        self._failures: list[int] = []
        self._stalls: list[float] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.text_channel("C1")

    # --- lifecycle -----------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for ws in list(self._sessions):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    @property
    def public_key(self) -> str:
        return self.signing_key.verify_key.encode().hex()

    async def wait_connected(self, timeout: float = 15.0) -> None:
        """Until a bot session has identified (or resumed) and is receiving dispatches."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: bool(self._sessions))

    async def wait_disconnected(self, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: not self._sessions)

    async def _session(self, ws: web.WebSocketResponse, present: bool) -> None:
        if present:
            self._sessions.append(ws)
        elif ws in self._sessions:
            self._sessions.remove(ws)
        async with self._changed:
            self._changed.notify_all()

    @property
    def sessions(self) -> int:
        return len(self._sessions)

    # --- behaviour switches --------------------------------------------------------------------------------
    def refuse_dms(self, user: str) -> None:
        self.refused_dm_users.add(self.names.id(user))

    def rate_limit(self, count: int = 1, retry_after: float = 0.5) -> None:
        self._rate_limited, self._retry_after = count, retry_after

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        self._failures.extend([status] * count)

    def stall_next(self, count: int = 1, seconds: float = 5.0) -> None:
        """The next `count` sends are answered only after `seconds` (a Discord that hangs)."""
        self._stalls.extend([seconds] * count)

    def text_channel(self, name: str) -> int:
        cid = self.names.id(name)
        self.channels.setdefault(cid, Channel("text"))
        return cid

    # --- the bot's view of the world -----------------------------------------------------------------------
    def user(self, name: str) -> dict[str, Any]:
        uid = self.names.id(name)
        return {"id": str(uid), "username": name.lower(), "global_name": name, "discriminator": "0",
                "avatar": None, "bot": uid == self.bot_id}

    def member(self, name: str, *, permissions: str = "0", guild: int | None = None) -> dict[str, Any]:
        self.members.setdefault(guild or self.guild_id, set()).add(self.names.id(name))
        return {"user": self.user(name), "roles": [], "joined_at": STAMP, "deaf": False,
                "mute": False, "flags": 0, "nick": None, "permissions": permissions}

    def _bot_user(self) -> dict[str, Any]:
        return {"id": str(self.bot_id), "username": "agora", "global_name": "Agora", "discriminator": "0",
                "avatar": None, "bot": True, "verified": True, "mfa_enabled": False, "flags": 0}

    def _channel_payload(self, cid: int) -> dict[str, Any]:
        info = self.channels[cid]
        if info.kind == "dm":
            return {"id": str(cid), "type": 1, "recipients": [self.user(self.names.name(info.user) or "")]}
        base: dict[str, Any] = {"id": str(cid), "guild_id": str(self.guild_id), "name": self.names.name(cid),
                                "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None}
        if info.kind == "thread":
            base.update(type=11, parent_id=str(info.parent), owner_id=str(self.owner_id), message_count=0,
                        member_count=1, thread_metadata={"archived": False, "auto_archive_duration": 1440,
                                                         "archive_timestamp": STAMP,
                                                         "locked": False})
            return base
        base.update(type=0, topic=None, last_message_id=None, rate_limit_per_user=0)
        return base

    def _bot_role(self) -> dict[str, Any]:
        """The role Discord gives a bot's integration, which members often mention instead of the bot."""
        return {"id": str(self.names.id("AGORA_ROLE")), "name": "Agora", "permissions": "0", "position": 1,
                "color": 0, "hoist": False, "managed": True, "mentionable": True, "flags": 0,
                "tags": {"bot_id": str(self.bot_id)}}

    def _guild(self) -> dict[str, Any]:
        channels = [self._channel_payload(c) for c, i in self.channels.items() if i.kind == "text"]
        threads = [self._channel_payload(c) for c, i in self.channels.items() if i.kind == "thread"]
        everyone = {"id": str(self.guild_id), "name": "@everyone", "permissions": "1071698660929",
                    "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
                    "flags": 0}
        return {"id": str(self.guild_id), "name": "Guild", "owner_id": str(self.owner_id),
                "unavailable": False, "member_count": 2, "roles": [everyone, self._bot_role()],
                "channels": channels, "threads": threads,
                "members": [{**self.member("APP"), "user": self._bot_user()}], "features": [],
                "preferred_locale": "fr", "system_channel_id": str(self.names.id("C1"))}

    # --- inbound: what Discord tells the bot ---------------------------------------------------------------
    async def dispatch(self, event: str, data: dict[str, Any], *, record: bool = True) -> None:
        if record:
            self.inbound.append((event, data))
        for ws in list(self._sessions):
            self._seq += 1
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def send_raw(self, frame: str) -> None:
        """Any text frame on every session, e.g. broken JSON or an unknown op code."""
        for ws in list(self._sessions):
            await ws.send_str(frame)

    async def redeliver_last(self) -> None:
        event, data = self.inbound[-1]
        if event == "INTERACTION_CREATE":
            self.interactions[int(data["id"])].dispatched_at = time.monotonic()
        await self.dispatch(event, data, record=False)

    async def ensure_thread(self, name: str, parent: str) -> int:
        tid = self.names.id(name)
        if tid not in self.channels:
            self.channels[tid] = Channel("thread", parent=self.text_channel(parent))
            await self.dispatch("THREAD_CREATE", {**self._channel_payload(tid), "newly_created": True})
        return tid

    def dm_channel(self, user: str | int) -> int:
        uid = user if isinstance(user, int) else self.names.id(user)
        for cid, info in self.channels.items():
            if info.kind == "dm" and info.user == uid:
                return cid
        cid = self.names.new()
        self.channels[cid] = Channel("dm", user=uid)
        return cid

    async def message(self, user: str, text: str, *, channel: str | None = None, thread: str | None = None,
                      mention: bool = False, mention_role: bool = False) -> int:
        mid = self.names.new()
        data = _message(mid, 0, text, self.user(user))
        if channel is None:
            data["channel_id"] = str(self.dm_channel(user))
        else:
            cid = await self.ensure_thread(thread, channel) if thread else self.text_channel(channel)
            data.update(channel_id=str(cid), guild_id=str(self.guild_id), member=self.member(user))
            del data["member"]["user"]
        if mention:
            data["content"] = f"<@{self.bot_id}> {text}"
            data["mentions"] = [self._bot_user()]
        if mention_role:
            data["content"] = f"<@&{self.names.id('AGORA_ROLE')}> {text}"
            data["mention_roles"] = [str(self.names.id("AGORA_ROLE"))]
        await self.dispatch("MESSAGE_CREATE", data)
        return mid

    async def react(self, user: str, message_id: int, channel: str | None = "C1", emoji: str = "👍") -> None:
        """MESSAGE_REACTION_ADD: `user` reacts to a message in `channel` (their DM with the bot when None)."""
        data: dict[str, Any] = {"user_id": str(self.names.id(user)), "message_id": str(message_id),
                                "emoji": {"id": None, "name": emoji}, "type": 0, "burst": False,
                                "message_author_id": str(self.bot_id)}
        if channel is None:
            data["channel_id"] = str(self.dm_channel(user))
        else:
            data.update(channel_id=str(self.text_channel(channel)), guild_id=str(self.guild_id),
                        member=self.member(user))
        await self.dispatch("MESSAGE_REACTION_ADD", data)

    async def join(self, user: str) -> None:
        await self.dispatch("GUILD_MEMBER_ADD", {**self.member(user), "guild_id": str(self.guild_id)})

    def interaction_payload(self, user: str, kind: int, data: dict[str, Any], channel: str | None = "C1",
                            *, locale: str = "fr", permissions: str = "0") -> dict[str, Any]:
        iid = self.names.new()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload: dict[str, Any] = {"id": str(iid), "application_id": str(self.app_id), "type": kind,
                                   "token": token, "version": 1, "data": data, "locale": locale,
                                   "entitlements": [], "authorizing_integration_owners": {},
                                   "attachment_size_limit": 8_388_608, "app_permissions": "0"}
        if channel is None:
            cid = self.dm_channel(user)
            payload.update(user=self.user(user), context=1)
        else:
            cid = self.text_channel(channel)
            payload.update(guild_id=str(self.guild_id), guild_locale="fr", context=0,
                           member=self.member(user, permissions=permissions))
        payload.update(channel_id=str(cid), channel=self._channel_payload(cid))
        self.interactions[iid] = Interaction(iid, token, self.names.id(user), cid, time.monotonic())
        return payload

    @staticmethod
    def command_data(name: str = "agora", options: dict[str, str] | None = None) -> dict[str, Any]:
        opts = [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()]
        return {"id": "1", "name": name, "type": 1, **({"options": opts} if opts else {})}

    async def command(self, user: str, name: str, args: str = "", channel: str | None = "C1",
                      *, locale: str = "fr", permissions: str = "0") -> int:
        options = {"command": name, **({"args": args} if args else {})}
        payload = self.interaction_payload(user, 2, self.command_data("agora", options), channel,
                                           locale=locale, permissions=permissions)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def click(self, user: str, custom_id: str, channel: str | None = "C1") -> int:
        payload = self.interaction_payload(user, 3, {"custom_id": custom_id, "component_type": 2}, channel)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def post_interaction(self, url: str, payload: dict[str, Any], *, forge: bool = False,
                               timestamp: str | None = None, body: bytes | None = None,
                               sign: bytes | None = None) -> tuple[int, Any]:
        """Discord's side of HTTP interactions: sign and post; the answer must come within the deadline.
        `forge` signs with another key; `body` replaces the JSON of `payload`; `sign` is what gets signed
        when it is not the body (a request altered on its way)."""
        raw = body if body is not None else json.dumps(payload).encode()
        stamp = timestamp or str(int(time.time()))
        key = SigningKey.generate() if forge else self.signing_key
        signature = key.sign(stamp.encode() + (sign if sign is not None else raw)).signature.hex()
        headers = {"X-Signature-Ed25519": signature, "X-Signature-Timestamp": stamp,
                   "Content-Type": "application/json"}
        iid = int(payload["id"]) if payload.get("id") else None
        async with aiohttp.ClientSession() as session, session.post(url, data=raw, headers=headers) as resp:
            answer = await resp.read()
            status = resp.status
        is_json = answer and resp.content_type == "application/json"
        decoded = json.loads(answer) if is_json else answer.decode()
        if iid is not None and iid in self.interactions and status == 200 and isinstance(decoded, dict):
            self._acknowledge(self.interactions[iid], int(decoded.get("type", 0)))
        return status, decoded

    def _acknowledge(self, interaction: Interaction, kind: int) -> bool:
        if time.monotonic() - interaction.dispatched_at > self.deadline:
            interaction.late_callbacks += 1
            return False
        interaction.callback_type, interaction.callback_at = kind, time.monotonic()
        return True

    # --- the gateway ---------------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op = frame.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    self.identifies.append(frame["d"])
                    if self.refuse_identify is not None:  # e.g. 4014: privileged intents not enabled
                        await ws.close(code=self.refuse_identify)
                        break
                    await self._ready(ws)
                elif op == 6:
                    await self._session(ws, True)
                    self._seq += 1
                    await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": self._seq, "d": {}}))
                elif op == 8:
                    self._seq += 1
                    chunk = {"guild_id": str(self.guild_id), "members": [], "chunk_index": 0,
                             "chunk_count": 1, "nonce": frame["d"].get("nonce")}
                    await ws.send_str(json.dumps({"op": 0, "t": "GUILD_MEMBERS_CHUNK", "s": self._seq,
                                                  "d": chunk}))
        finally:
            await self._session(ws, False)
        return ws

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        others = [self.names.id(name) for name in self.other_guilds]
        guilds = [{"id": str(g), "unavailable": True} for g in (self.guild_id, *others)]
        ready = {"v": 10, "user": self._bot_user(), "guilds": guilds,
                 "session_id": secrets.token_hex(16), "resume_gateway_url": self.gateway_url,
                 "application": {"id": str(self.app_id), "flags": 0}, "private_channels": [],
                 "relationships": [], "user_settings": {}}
        creates = [self._guild()] + [{"id": str(g), "name": self.names.name(g), "unavailable": False,
                                      "owner_id": str(self.owner_id), "member_count": 1, "roles": [],
                                      "channels": [], "members": [{**self.member("APP", guild=g),
                                                                   "user": self._bot_user()}]}
                                     for g in others]
        for event, data in [("READY", ready), *(("GUILD_CREATE", c) for c in creates)]:
            self._seq += 1
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))
        await self._session(ws, True)

    # --- the REST API --------------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.StreamResponse:
        uploaded: list[tuple[str, bytes]] = []
        if request.content_type == "multipart/form-data":  # a message with files: payload_json + files[n]
            form = await request.post()
            body = json.loads(str(form.get("payload_json", "null")))
            for key, value in form.items():
                if key.startswith("files[") and isinstance(value, web.FileField):
                    uploaded.append((value.filename, value.file.read()))
            if isinstance(body, dict):
                body["_uploaded"] = uploaded
        else:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
        path = "/" + request.match_info["tail"]
        response = await self._route(request.method, path.split("/")[1:], body, request)
        self.calls.append(Call(request.method, path, body, response.status, time.monotonic()))
        return response

    async def _route(self, method: str, parts: list[str], body: Any,
                     request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bot {self.token}" and parts[0] not in ("interactions",
                                                                                            "webhooks"):
            return _error(401, 0, "401: Unauthorized")
        match method, parts:
            case "GET", ["users", "@me"]:
                return _json(self._bot_user())
            case "GET", ["oauth2", "applications", "@me"]:
                return _json({"id": str(self.app_id), "name": "Agora", "description": "", "icon": None,
                              "bot_public": False, "bot_require_code_grant": False,
                              "verify_key": self.public_key,
                              "owner": self.user("OWNER"), "flags": 0, "team": None})
            case "GET", ["gateway", *_]:
                return _json({"url": self.gateway_url, "shards": 1,
                              "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0,
                                                      "max_concurrency": 1}})
            case "PUT", ["applications", _, *rest] if rest[-1:] == ["commands"]:
                self.synced_commands = body or []
                return _json([{**c, "id": str(self.names.new()), "application_id": str(self.app_id),
                               "version": "1", "default_member_permissions": None, "type": c.get("type", 1)}
                              for c in self.synced_commands])
            case "GET", ["guilds", guild, "members", user]:
                if int(user) in self.members.get(int(guild), set()):
                    return _json(self.member(self.names.name(int(user)) or user))
                return _error(404, 10007, "Unknown Member")
            case "POST", ["users", "@me", "channels"]:
                cid = self.dm_channel(int(body["recipient_id"]))
                return _json(self._channel_payload(cid))
            case "POST", ["channels", channel, "messages"]:
                if self._stalls:
                    await asyncio.sleep(self._stalls.pop(0))
                return self._send_gate(lambda: self._post_message(int(channel), body))
            case "POST", ["interactions", iid, token, "callback"]:
                return self._callback(int(iid), token, body, request)
            case "POST", ["webhooks", app, token]:
                return self._send_gate(lambda: self._followup(int(app), token, body))
        return _error(404, 0, "404: Not Found")

    def _send_gate(self, deliver: Any) -> web.Response:
        """Sends (messages and follow-ups) are where tests inject 429s and 5xx."""
        if self._rate_limited > 0:
            self._rate_limited -= 1
            return _json({"message": "You are being rate limited.", "retry_after": self._retry_after,
                          "global": False}, status=429,
                         headers={"Retry-After": str(self._retry_after), "Via": "1.1 google",
                                  "X-RateLimit-Scope": "user"})
        if self._failures:
            status = self._failures.pop(0)
            return _error(status, 0, "Server error")
        result: web.Response = deliver()
        return result

    def _post_message(self, cid: int, body: dict[str, Any]) -> web.Response:
        info = self.channels.get(cid)
        if info is None:
            return _error(404, 10003, "Unknown Channel")
        if info.kind == "dm" and info.user in self.refused_dm_users:
            return _error(403, 50007, "Cannot send messages to this user")
        return _json(self._message(cid, body))

    def _message(self, cid: int, body: dict[str, Any]) -> dict[str, Any]:
        sent = _message(self.names.new(), cid, body.get("content", ""), self._bot_user())
        sent.update(flags=body.get("flags", 0), components=body.get("components", []))
        uploaded = body.get("_uploaded") or []
        sent["attachments"] = [{"id": str(self.names.new()), "filename": name, "size": len(content),
                                "url": f"{self.api_url}/attachments/{name}", "proxy_url": ""}
                               for name, content in uploaded]
        self.files.extend((cid, name, content) for name, content in uploaded)
        return sent

    def _callback(self, iid: int, token: str, body: Any, request: web.Request) -> web.Response:
        found = self.interactions.get(iid)
        if found is None or found.token != token:
            return _error(404, 10062, "Unknown interaction")
        if found.callback_type is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if not self._acknowledge(found, int((body or {}).get("type", 0))):
            return _error(404, 10062, "Unknown interaction")
        if request.query.get("with_response") in ("1", "true"):
            return _json({"interaction": {"id": str(iid), "type": 2, "activity_instance_id": None,
                                          "response_message_id": None, "response_message_loading": True,
                                          "response_message_ephemeral": True},
                          "resource": {"type": found.callback_type}})
        return web.Response(status=204)

    def _followup(self, app: int, token: str, body: dict[str, Any]) -> web.Response:
        found = next((i for i in self.interactions.values() if i.token == token), None)
        if app != self.app_id or found is None or not found.acked_in_time \
                or time.monotonic() - found.dispatched_at > TOKEN_TTL:
            return _error(404, 10015, "Unknown Webhook")
        return _json(self._message(found.channel, body))

    # --- what the bot sent ---------------------------------------------------------------------------------
    def interaction_for_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)
