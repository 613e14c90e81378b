"""The onion: each middleware gets the context and the rest of the chain, and may act before and after it,
or stop the event. Order (outermost first) is set by the composition root; see `default_chain`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.context import Context

Next = Callable[[], Awaitable[None]]
Middleware = Callable[["Context", Next], Awaitable[None]]
Terminal = Callable[["Context"], Awaitable[None]]


def compose(middlewares: Sequence[Middleware], terminal: Terminal) -> Terminal:
    """Build one callable that runs `middlewares` around `terminal`.

    Each layer is a plain function returning its middleware's coroutine, and `call_next` is a
    `functools.partial` of the next layer: per event and layer, one coroutine and one C-level partial,
    where nested `async def` wrappers cost a closure and two coroutines (the chain runs for every event).
    """
    handler = terminal
    for mw in reversed(middlewares):
        handler = _layer(mw, handler)
    return handler


def _layer(mw: Middleware, inner: Terminal) -> Terminal:
    def step(ctx: Context) -> Awaitable[None]:
        return mw(ctx, partial(inner, ctx))

    return step
