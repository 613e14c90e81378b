"""De-duplication, fast path: a bounded memory of event keys seen by this process. The durable check is the
unique key written with the event's effects (bot.store.writer), which also covers restarts and other processes."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from bot.errors import DuplicateEvent

if TYPE_CHECKING:
    from bot.context import Context
    from bot.middleware import Next


class RecentEvents:
    def __init__(self, size: int = 50_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, key: str) -> bool:
        """Remember `key`; False if it was already there."""
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True

    def forget(self, key: str) -> None:
        self._seen.pop(key, None)

    async def __call__(self, ctx: Context, call_next: Next) -> None:
        key = ctx.event.dedup_key
        if key is not None and not self.add(key):
            raise DuplicateEvent(key)
        try:
            await call_next()
        except BaseException:
            if key is not None:
                self.forget(key)  # a failed attempt must not block the platform's retry
            raise
