"""OutboundMessage -> Discord REST calls through discord.py's HTTP client (`client.http`), and Discord's
answers -> the core's SendErrors.

Where a message goes:
- a reply to a live interaction (`in_reply_to` names one this process acknowledged less than 15 minutes ago)
  is a follow-up on POST /webhooks/{application_id}/{token}, visible to the member who asked only;
- a DM, or an ephemeral reply with no live interaction to answer, goes to the member's DM channel (opened with
  POST /users/@me/channels once, then remembered);
- anything else to POST /channels/{thread or channel}/messages.
Files (a chart, CSV exports) go in the same call as multipart form data (`payload_json` plus `files[n]`),
read from the path the core wrote them to.
Every message says `allowed_mentions: {"parse": ["users"]}`: members can be mentioned, never @everyone,
@here or a role, whatever the text holds.

429s: discord.py sleeps and retries a 429 itself (up to 5 tries) when Retry-After is at most
`max_ratelimit_timeout`, which it will not set below 30 s; a longer wait raises RateLimited at once. Both
RateLimited and a 429 that outlived discord.py's tries become RetryLater, so the outbox pauses the platform.
5xx: discord.py retries 500/502/504/524 with backoff before giving up; whatever comes out is TransientFailure.
A send that takes longer than `timeout` (those retries included) is abandoned as TransientFailure, before the
outbox's lease on the row runs out (AGORA_OUTBOX_LEASE_SECONDS, 60 by default) and another worker could take
it: keep the timeout below the lease.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

import discord
from discord.http import HTTPClient, Route

from adapters.discord_bot.interactions import EPHEMERAL, Live, LiveInteractions
from bot.markup import to_discord
from bot.ports import PermanentFailure, RetryLater, SendError, SendResult, TransientFailure
from bot.replies import OutboundButton, OutboundMessage, Visibility

log = logging.getLogger("agora.discord")

MAX_CONTENT = 2000
MAX_LABEL = 80
ROW = 5
MAX_BUTTONS = 25
STYLES = {"primary": 1, "default": 2, "danger": 4}
UNREACHABLE = frozenset({50007, 10013})  # cannot send messages to this user; unknown user
TOKEN_GONE = frozenset({401, 404})  # a follow-up whose interaction token expired or is unknown
ALLOWED_MENTIONS = {"parse": ["users"]}


def payload(message: OutboundMessage, *, ephemeral: bool = False) -> dict[str, Any]:
    """The JSON of a message: content rendered from the neutral markup, buttons as action rows."""
    body: dict[str, Any] = {"content": to_discord(message.text)[:MAX_CONTENT] or "\u200b",
                            "allowed_mentions": ALLOWED_MENTIONS}
    if message.buttons:
        body["components"] = components(message.buttons)
    if ephemeral:
        body["flags"] = EPHEMERAL
    return body


def components(buttons: tuple[OutboundButton, ...]) -> list[dict[str, Any]]:
    """Buttons in rows of five. The custom id is the core's opaque action id, stable across restarts, so a
    button on an old message still reaches its handler."""
    chosen = buttons[:MAX_BUTTONS]
    rows = []
    for start in range(0, len(chosen), ROW):
        rows.append({"type": 1, "components": [
            {"type": 2, "style": STYLES.get(b.style, 2), "label": b.label[:MAX_LABEL] or "?",
             "custom_id": b.action_id}
            for b in chosen[start:start + ROW]
        ]})
    return rows


class Outbound:
    """Sends one OutboundMessage; `http` is the logged-in client's HTTP client."""

    def __init__(self, live: LiveInteractions, timeout: float = 50.0, dm_cache_size: int = 10_000) -> None:
        self._live = live
        self._timeout = timeout
        self._dm_channels: OrderedDict[str, str] = OrderedDict()
        self._dm_cache_size = dm_cache_size

    async def send(self, http: HTTPClient, message: OutboundMessage) -> SendResult:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._send(http, message)
        except SendError:
            raise
        except TimeoutError as err:
            raise TransientFailure("discord_timeout") from err
        except Exception as err:
            raise classify(err) from err

    async def _send(self, http: HTTPClient, message: OutboundMessage) -> SendResult:
        visibility = message.visibility
        live = self._live.get(message.in_reply_to) if visibility is not Visibility.DM else None
        if live is not None and message.in_reply_to is not None:
            try:
                return await self._followup(http, live, message)
            except discord.HTTPException as err:
                if err.status not in TOKEN_GONE:
                    raise
                self._live.drop(message.in_reply_to)  # expired or unknown: deliver the ordinary way below
        if visibility in (Visibility.DM, Visibility.EPHEMERAL):
            channel = message.channel_id if visibility is Visibility.DM and message.channel_id else None
            return await self._post(http, channel or await self._dm_channel(http, message), message)
        target = message.thread_id or message.channel_id
        if target is None:
            return await self._post(http, await self._dm_channel(http, message), message)
        return await self._post(http, target, message)

    async def _followup(self, http: HTTPClient, live: Live, message: OutboundMessage) -> SendResult:
        route = Route("POST", "/webhooks/{webhook_id}/{webhook_token}", webhook_id=live.application_id,
                      webhook_token=live.token)
        data = await _request(http, route, payload(message, ephemeral=True), message)
        return SendResult(external_id=_id_of(data))

    async def _post(self, http: HTTPClient, channel_id: str, message: OutboundMessage) -> SendResult:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        data = await _request(http, route, payload(message), message)
        return SendResult(external_id=_id_of(data))

    async def _dm_channel(self, http: HTTPClient, message: OutboundMessage) -> str:
        user = message.user_id
        if not user or not user.isdigit():
            raise PermanentFailure("no_recipient")
        known = self._dm_channels.get(user)
        if known is not None:
            self._dm_channels.move_to_end(user)
            return known
        data = await http.start_private_message(int(user))
        channel = str(data["id"])
        self._dm_channels[user] = channel
        if len(self._dm_channels) > self._dm_cache_size:
            self._dm_channels.popitem(last=False)
        return channel


async def _request(http: HTTPClient, route: Route, body: dict[str, Any], message: OutboundMessage) -> Any:
    """POST `body` as JSON, or as multipart form data with the message's files."""
    if not message.attachments:
        return await http.request(route, json=body)
    files = _open_files(message)
    try:
        body = {**body, "attachments": [{"id": i, "filename": f.filename} for i, f in enumerate(files)]}
        form: list[dict[str, Any]] = [{"name": "payload_json", "value": json.dumps(body)}]
        form += [{"name": f"files[{i}]", "value": f.fp, "filename": f.filename,
                  "content_type": "application/octet-stream"} for i, f in enumerate(files)]
        return await http.request(route, form=form, files=files)
    finally:
        for file in files:
            file.close()


def _open_files(message: OutboundMessage) -> list[discord.File]:
    files: list[discord.File] = []
    for attachment in message.attachments:
        path = Path(attachment.path)
        if not path.is_file():
            for opened in files:
                opened.close()
            raise PermanentFailure("attachment_missing")
        files.append(discord.File(path, filename=attachment.name))
    return files


def _id_of(data: Any) -> str | None:
    return str(data["id"]) if isinstance(data, dict) and "id" in data else None


def classify(err: BaseException) -> SendError:
    """Discord's answer -> the core's failure kinds. Reasons carry status and code, never contents."""
    if isinstance(err, discord.RateLimited):
        return RetryLater(err.retry_after)
    if isinstance(err, discord.HTTPException):
        status, code = err.status, err.code
        if status == 429:
            return RetryLater(_retry_after(err))
        if status >= 500:
            return TransientFailure(f"discord_{status}")
        if code in UNREACHABLE:
            return PermanentFailure(f"discord_{status}_{code}", unreachable=True)
        return PermanentFailure(f"discord_{status}_{code}")
    # Network errors (aiohttp.ClientError, OSError, timeouts) and anything unforeseen: try again later.
    return TransientFailure(type(err).__name__)


def _retry_after(err: discord.HTTPException) -> float:
    try:
        return max(0.0, float(err.response.headers.get("Retry-After", "1")))
    except (AttributeError, TypeError, ValueError):
        return 1.0
