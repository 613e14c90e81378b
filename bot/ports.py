"""The adapter port: what the core expects from a platform adapter, and how a send can fail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.events import Event
from bot.replies import OutboundMessage


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can show. The core falls back visibly for what it cannot (see bot.outbox.render)."""

    buttons: bool = True
    ephemeral: bool = False
    threads: bool = True
    dm: bool = True
    files: bool = False
    max_text: int = 4000
    # Pacing: messages per second over the whole platform, and per conversation.
    rate_per_second: float = 30.0
    per_channel_interval: float = 0.0


@dataclass(frozen=True, slots=True)
class SendResult:
    external_id: str | None = None


class SendError(Exception):
    """Base of the errors an adapter raises from `send`. The message must not contain message contents."""


class RetryLater(SendError):
    """The platform said 429 (or asked us to slow down): retry after `retry_after` seconds."""

    def __init__(self, retry_after: float, reason: str = "rate_limited") -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class TransientFailure(SendError):
    """A 5xx, a timeout, a dropped connection: retry with backoff."""


class PermanentFailure(SendError):
    """The platform will never accept this message. `unreachable` means the member closed their DMs or
    blocked the bot: they are marked unreachable on that platform and not DMed again."""

    def __init__(self, reason: str, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.unreachable = unreachable


EventSink = Callable[[Event], Awaitable[None]]


class Adapter(Protocol):
    """One platform. Translates only: platform event -> core Event (into `sink`), OutboundMessage -> API call."""

    platform: str
    capabilities: Capabilities

    async def start(self, sink: EventSink) -> None:
        """Connect and begin delivering events to `sink`. Returns once started (work goes on in tasks)."""
        ...

    async def stop(self) -> None:
        """Disconnect; no event is delivered after this returns."""
        ...

    async def send(self, message: OutboundMessage) -> SendResult:
        """Deliver one message, or raise a SendError."""
        ...
