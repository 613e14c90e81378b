"""Building the Slack SDK objects from Settings: the Web API client, the Bolt app and its listeners.

- The Web API client honours SLACK_API_URL (kept with its trailing slash) and has no retry handlers: a 429 or
  a network error goes back to the outbox, which honours Retry-After and backs off per platform.
- Bolt verifies every HTTP request's signature (HMAC-SHA256 v0, 5-minute window) before any listener runs.
- `process_before_response=True`: a listener's work is part of the request. The adapter's listeners keep that
  work under the ack budget themselves (see adapter.py), and Bolt never starts untracked tasks.
- The SDK loggers are our own, capped at WARNING (Bolt's at ERROR): at DEBUG the SDK logs request and
  response bodies, and Bolt's "unhandled request" warning quotes the payload; members' messages must not
  reach the logs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

DEFAULT_API_URL = "https://slack.com/api/"
API_TIMEOUT = 10
ANY = re.compile(r".*")


class Listeners(Protocol):
    """What the adapter offers Bolt. Parameter names matter: Bolt injects arguments by name."""

    def on_event(self, body: dict[str, Any], context: Any) -> Awaitable[BoltResponse | None]: ...

    def on_command(self, body: dict[str, Any], ack: Any) -> Awaitable[None]: ...

    def on_action(self, body: dict[str, Any], ack: Any) -> Awaitable[None]: ...

    def on_other(self, ack: Any) -> Awaitable[None]: ...


def api_url(settings: Settings) -> str:
    """The Web API base URL, always ending with "/" (slack_sdk joins method names onto it)."""
    return (settings.slack_api_url or DEFAULT_API_URL).rstrip("/") + "/"


def capped_logger(name: str, level: int) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.setLevel(level)
    return logger


def web_client(token: str, settings: Settings, logger: logging.Logger) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=api_url(settings), timeout=API_TIMEOUT, retry_handlers=[],
                          logger=logger)


def bolt_app(client: AsyncWebClient, signing_secret: str, logger: logging.Logger,
             listeners: Listeners) -> AsyncApp:
    """The Bolt app with one listener per kind of payload; every payload kind is acknowledged."""
    # Bolt configures a logger named after the app like its base logger: the same name keeps that to ours
    # (named "agora", it would cap every agora.* logger at the SDK's level).
    app = AsyncApp(client=client, signing_secret=signing_secret, process_before_response=True, logger=logger,
                   name=logger.name)
    app.event(ANY)(listeners.on_event)
    app.command(ANY)(listeners.on_command)
    app.action(ANY)(listeners.on_action)
    app.shortcut(ANY)(listeners.on_other)
    app.view(ANY)(listeners.on_other)
    app.options(ANY)(listeners.on_other)
    return app
