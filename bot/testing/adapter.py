"""The in-memory platform: records every delivered message; can be told to fail the next sends."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.markup import to_plain
from bot.ports import Capabilities, EventSink, SendError, SendResult
from bot.replies import OutboundButton, OutboundMessage


@dataclass(frozen=True)
class Delivered:
    """A message as the member would see it (plain text) plus what the platform was asked."""

    message: OutboundMessage
    text: str
    buttons: tuple[OutboundButton, ...]

    @property
    def user_id(self) -> str | None:
        return self.message.user_id

    @property
    def visibility(self) -> str:
        return self.message.visibility.value


@dataclass
class TestAdapter:
    """`platform` defaults to "test"; `failures` is a queue of SendErrors raised by the next sends."""

    __test__ = False  # not a pytest test class

    platform: str = "test"
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(
        buttons=True, ephemeral=True, threads=True, files=True, rate_per_second=100_000.0))
    deliver_inline: bool = True
    sent: list[Delivered] = field(default_factory=list)
    failures: list[SendError] = field(default_factory=list)
    sink: EventSink | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self, sink: EventSink) -> None:
        self.sink = sink

    async def stop(self) -> None:
        self.sink = None

    async def send(self, message: OutboundMessage) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(Delivered(message, to_plain(message.text), message.buttons))
        return SendResult(external_id=f"m{next(self._ids)}")
