"""Small bounded memories the adapter keeps between an inbound event and the sends that answer it.

Slack hands out things that are only useful for a while and only in this process: a command's `response_url`
(30 minutes, 5 uses), the DM channel of a member (cached because `conversations.open` is rate-limited hard),
a member's profile. None of them is needed for correctness after a restart (every send has a Web API path
without them), so they live in memory, bounded in size and age, timed by the injectable Clock.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.clock import Clock

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """A size-bounded, age-bounded map (least recently used entries go first)."""

    def __init__(self, clock: Clock, *, ttl: float, size: int) -> None:
        self._clock = clock
        self._ttl = ttl
        self._size = size
        self._data: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        hit = self._data.get(key)
        if hit is None:
            return None
        if hit[0] < self._clock.monotonic():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return hit[1]

    def put(self, key: K, value: V) -> None:
        self._data[key] = (self._clock.monotonic() + self._ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self._size:
            self._data.popitem(last=False)

    def drop(self, key: K) -> None:
        self._data.pop(key, None)

    def __len__(self) -> int:
        return len(self._data)


RESPONSE_URL_TTL = 25 * 60.0  # Slack: 30 minutes; a margin for the outbox's own delays
RESPONSE_URL_USES = 5  # Slack: at most 5 responses per response_url


@dataclass
class Responder:
    """A command's or button click's `response_url`: answers in place, even where the bot is not a member."""

    url: str
    channel_id: str | None
    user_id: str
    uses: int = 0


class Conversations:
    """What inbound events teach the sender: response URLs by event id, the message a THREAD reply goes under,
    and each member's DM channel with the bot."""

    def __init__(self, clock: Clock) -> None:
        self.responders: Recent[str, Responder] = Recent(clock, ttl=RESPONSE_URL_TTL, size=10_000)
        # event id -> the message's ts, for THREAD answers to top-level messages
        self.messages: Recent[str, str] = Recent(clock, ttl=24 * 3600.0, size=10_000)
        self.dm_channels: Recent[tuple[str, str], str] = Recent(clock, ttl=7 * 24 * 3600.0, size=100_000)
