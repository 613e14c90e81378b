"""Pacing per platform: a token bucket over the whole platform and a minimum interval per conversation, plus a
platform-wide pause when the platform answers 429. Wall-clock pacing, so it takes its own monotonic source."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    def __init__(self, rate_per_second: float, per_channel_interval: float = 0.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.rate = max(rate_per_second, 0.001)
        self.burst = max(1.0, self.rate)
        self.per_channel = per_channel_interval
        self._tokens = self.burst
        self._last = monotonic()
        self._channel_next: dict[str, float] = {}
        self._paused_until = 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """The platform asked us to wait (429 Retry-After): nothing is sent on it until then."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._monotonic())

    async def wait(self, channel: str | None) -> None:
        async with self._lock:
            while True:
                now = self._monotonic()
                delay = self._paused_until - now
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens < 1:
                    delay = max(delay, (1 - self._tokens) / self.rate)
                if delay <= 0:
                    self._tokens -= 1
                    break
                await self._sleep(delay)
        if channel is not None and self.per_channel > 0:
            ready = self._channel_next.get(channel, 0.0)
            now = self._monotonic()
            if ready > now:
                await self._sleep(ready - now)
            self._channel_next[channel] = max(now, ready) + self.per_channel
            if len(self._channel_next) > 50_000:
                cutoff = self._monotonic()
                self._channel_next = {k: v for k, v in self._channel_next.items() if v > cutoff}
