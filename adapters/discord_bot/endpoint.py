"""The optional HTTP Interactions endpoint (POST /discord/interactions), served by `agora run` when
DISCORD_PUBLIC_KEY is set and the application's "Interactions Endpoint URL" points at it.

discord.py does not handle this mode, so the check is ours: Discord signs `timestamp + raw body` with
Ed25519 (headers X-Signature-Ed25519 and X-Signature-Timestamp) and expects 401 for anything that does not
verify; we also refuse timestamps more than five minutes off, so a captured request cannot be replayed
later. A verified PING gets PONG; a command or a button press is answered in the HTTP response itself with
the same deferral the gateway path sends, and handled in the background like any other interaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from adapters.discord_bot.interactions import PING, Incoming
from bot.clock import Clock

log = logging.getLogger("agora.discord")

PATH = "/discord/interactions"
MAX_SKEW = 300.0
MAX_BODY = 1 << 20

# Takes a verified interaction; returns the callback to answer with, or None when it is not one we handle.
Accept = Callable[[Incoming], Awaitable[dict[str, Any] | None]]


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


class InteractionsEndpoint:
    def __init__(self, public_key: str, accept: Accept, clock: Clock) -> None:
        self._key = VerifyKey(bytes.fromhex(public_key.strip()))
        self._accept = accept
        self._clock = clock

    def verified(self, signature: str | None, timestamp: str | None, body: bytes) -> bool:
        if not signature or not timestamp:
            return False
        try:
            self._key.verify(timestamp.encode() + body, bytes.fromhex(signature))
            sent_at = float(timestamp)
        except (BadSignatureError, ValueError):
            return False
        return abs(self._clock.now().timestamp() - sent_at) <= MAX_SKEW

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        body = await request.read()
        if not self.verified(request.headers.get("X-Signature-Ed25519"),
                             request.headers.get("X-Signature-Timestamp"), body):
            log.warning("discord interaction refused: bad signature")
            return web.Response(status=401, text="invalid request signature")
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("not an object")
            if payload.get("type") == PING:
                return _json({"type": PING})
            answer = await self._accept(Incoming.from_payload(payload))
        except ValueError:
            log.warning("discord interaction ignored: malformed payload")
            return web.Response(status=400, text="malformed interaction")
        if answer is None:
            log.info("discord interaction ignored: unhandled type", extra={"kind": payload.get("type")})
            return web.Response(status=400, text="unhandled interaction type")
        return _json(answer)
