"""The contract every platform adapter is held to, as one interface that each platform's test harness implements
against a fake of that platform's wire protocol (tests/fakes/), with the SDK unmodified.

A harness owns: the fake platform server on 127.0.0.1 (port 0), the real Agora App built with the real adapter
pointed at the fake (base-URL settings), and a normalised view of what the fake received (`sent`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.composition import App


@dataclass(frozen=True)
class Sent:
    """One message the fake platform received from the bot, whatever its API call.

    kind: "channel" (a post in a channel or group), "thread" (a post inside a thread), "dm" (a private message to
    `user`), "ephemeral" (visible to `user` only) or "interaction" (a response to a slash command or button,
    e.g. Discord's interaction callback or follow-up).
    """

    kind: str
    channel: str | None
    thread: str | None
    user: str | None
    text: str
    action_ids: tuple[str, ...] = ()


class Harness(Protocol):
    platform: str
    app: App
    fallback_channel: str  # the channel configured in AGORA_FALLBACK_CHANNELS for this platform

    @property
    def sent(self) -> list[Sent]: ...

    async def join(self, user: str) -> None:
        """The platform tells the bot that `user` joined the workspace / guild / group."""

    async def command(self, user: str, name: str, args: str = "", channel: str = "C1") -> None:
        """`user` invokes the bot's command `name` (Slack `/agora name args`, Discord's application command,
        Telegram `/name args`) in `channel`."""

    async def message(self, user: str, text: str, *, channel: str | None = None, thread: str | None = None,
                      mention: bool = False) -> None:
        """A message from `user`: a DM when channel is None; in `thread` of `channel` when given."""

    async def click(self, user: str, action_id: str, channel: str = "C1") -> None:
        """`user` presses the button whose wire action id is `action_id`, on a message in `channel`."""

    async def redeliver_last(self) -> None:
        """Deliver the last inbound event again, as the platform does on retry (same event id)."""

    def refuse_dms(self, user: str) -> None:
        """From now on the fake answers DMs to `user` as the platform does when DMs are closed (403 etc.)."""

    def rate_limit(self, count: int = 1, retry_after: float = 0.5) -> None:
        """The next `count` sends are answered 429 with Retry-After `retry_after` seconds."""

    async def forged(self) -> int:
        """Send the bot an inbound request that is forged, replayed or stale; return the HTTP status it got."""

    async def forged_effect_count(self) -> int:
        """How many events the bot handled from forged requests (must stay 0); usually the number of messages
        the fake received since `forged` was called."""


async def wait_for(harness: Harness, predicate: Callable[[Sent], bool], timeout: float = 10.0) -> Sent:
    """The first message the fake received that satisfies `predicate`, waiting up to `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for item in harness.sent:
            if predicate(item):
                return item
        if loop.time() > deadline:
            raise AssertionError(f"nothing matching was sent; sent so far: {harness.sent!r}")
        await asyncio.sleep(0.02)


async def settle(harness: Harness, quiet: float = 0.3, timeout: float = 10.0) -> None:
    """Wait until the fake has received nothing new for `quiet` seconds (for asserting that nothing more comes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen = len(harness.sent)
    last_change = loop.time()
    while loop.time() < deadline:
        await asyncio.sleep(0.05)
        if len(harness.sent) != seen:
            seen, last_change = len(harness.sent), loop.time()
        elif loop.time() - last_change >= quiet:
            return
