"""The onion: each middleware gets the context and the rest of the chain, and may act before and after it,
or stop the event. Order (outermost first) is set by the composition root; see `default_chain`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.context import Context

Next = Callable[[], Awaitable[None]]
Middleware = Callable[["Context", Next], Awaitable[None]]
Terminal = Callable[["Context"], Awaitable[None]]


def compose(middlewares: Sequence[Middleware], terminal: Terminal) -> Terminal:
    """Build one callable that runs `middlewares` around `terminal`, without per-event allocation of chains."""

    def wrap(mw: Middleware, inner: Terminal) -> Terminal:
        async def step(ctx: Context) -> None:
            async def call_next() -> None:
                await inner(ctx)

            await mw(ctx, call_next)

        return step

    handler = terminal
    for mw in reversed(middlewares):
        handler = wrap(mw, handler)
    return handler
