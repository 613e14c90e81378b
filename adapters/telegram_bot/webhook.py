"""Receiving updates over HTTPS (webhook mode), on the process's own aiohttp server (bot/http.py).

Telegram sends every update with the secret given to setWebhook in `X-Telegram-Bot-Api-Secret-Token`. A
request without it, or with another one, is refused with 403 before its body is read: forged updates have no
effect.

The answer is the acknowledgement: Telegram re-sends an update until it gets a 2xx. So the update is handed to
the core and the answer waits for it up to ACK_WITHIN seconds: in the common case the event is durable (its
effects and de-duplication key are written) before Telegram forgets it; a slow handler keeps running after the
answer, well inside Telegram's timeout. A re-sent update is harmless: the core de-duplicates on update_id.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger("agora.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram/webhook"
ACK_WITHIN = 2.0  # seconds to wait for the core before answering anyway

Accept = Callable[[dict[str, Any]], "asyncio.Task[None] | None"]


def webhook_endpoint(public_url: str) -> tuple[str, str]:
    """(the URL to give setWebhook, the local path to serve). The path is the public URL's, so a reverse proxy
    can pass requests through unchanged; a URL without a path gets DEFAULT_PATH."""
    parts = urlsplit(public_url)
    if parts.path and parts.path != "/":
        return public_url, parts.path
    return public_url.rstrip("/") + DEFAULT_PATH, DEFAULT_PATH


class WebhookReceiver:
    """The aiohttp handler of the webhook path. `accept` takes a decoded update and returns the task handling
    it (None when there is nothing to do); `open` says whether updates are taken (not while stopping)."""

    def __init__(self, secret: str, accept: Accept, is_open: Callable[[], bool],
                 ack_within: float = ACK_WITHIN) -> None:
        self._secret = secret.encode("utf-8")
        self._accept = accept
        self._is_open = is_open
        self._ack_within = ack_within

    def authentic(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        return hmac.compare_digest(given, self._secret)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.authentic(request):
            log.warning("telegram webhook request refused: wrong or missing secret token")
            return web.Response(status=403)
        if not self._is_open():
            return web.Response(status=503)  # not acknowledged: Telegram sends it again later
        try:
            data: Any = await request.json()
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond what a parser takes
            log.warning("telegram webhook body is not JSON")
            return web.Response(status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            log.warning("telegram webhook body is not an update")
            return web.Response(status=400)
        task = self._accept(data)
        if task is not None:
            await asyncio.wait({task}, timeout=self._ack_within)  # never cancels the task
        return web.Response(status=200)
