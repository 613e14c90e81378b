"""One event's way through the core: context -> middleware chain -> router -> handler -> effects persisted.

Effects (the de-duplication key, outbox rows, activity) go through the batched writer, unless the handler
opened its own transaction (ctx.uow()): then they are written in that transaction, so a state change and the
messages announcing it commit together, and a duplicate delivery rolls both back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum

from bot.context import Context, Services
from bot.errors import DuplicateEvent
from bot.events import Event
from bot.middleware import Middleware, compose
from bot.outbox.enqueue import outbox_rows
from bot.router import Router
from bot.store.writer import BatchWriter, Effects, write_effects

log = logging.getLogger("agora.pipeline")


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


async def _run_route(ctx: Context) -> None:
    assert ctx.route is not None
    await ctx.route.handler(ctx)


class Pipeline:
    def __init__(self, services: Services, router: Router, writer: BatchWriter,
                 middlewares: Sequence[Middleware]) -> None:
        self.services = services
        self.router = router
        self.writer = writer
        self._chain = compose(middlewares, _run_route)

    async def process(self, event: Event) -> Outcome:
        """Handle one event; returns once its effects are durable."""
        ctx = Context(event, self.services, self.router)
        try:
            await self._chain(ctx)
        except DuplicateEvent:
            uow = ctx.detach_uow()
            if uow is not None:
                await uow.__aexit__(DuplicateEvent, DuplicateEvent(), None)
            return Outcome.DUPLICATE
        if ctx.community is None:
            return Outcome.IGNORED
        effects = self._effects(ctx)
        uow = ctx.detach_uow()
        if uow is not None:
            conn = await uow.session.connection()
            try:
                applied = (await write_effects(conn, [effects]))[0]
            except BaseException as exc:
                await uow.__aexit__(type(exc), exc, None)
                raise
            if not applied:
                await uow.__aexit__(DuplicateEvent, DuplicateEvent(), None)
                return Outcome.DUPLICATE
            await uow.__aexit__(None, None, None)
            for hook in ctx.on_commit:
                hook()
            if effects.outbox:
                for poke in self.writer.on_outbox_written:
                    poke()
            return Outcome.HANDLED
        if effects.empty:
            return Outcome.IGNORED
        applied = await self.writer.submit(effects)
        if applied:
            for hook in ctx.on_commit:
                hook()
        return Outcome.HANDLED if applied else Outcome.DUPLICATE

    def _effects(self, ctx: Context) -> Effects:
        event = ctx.event
        key = event.dedup_key
        now = self.services.clock.now()  # one reading for the event's rows: they are written together
        if ctx.replies:
            rows, actions = outbox_rows(
                ctx.replies,
                origin=event.ref,
                community_id=ctx.community_id,
                member_id=ctx.member.id if ctx.member else None,
                key_prefix=key,
                caps_for=self.services.capability,
                event_id=event.event_id,
                now=now,
            )
        else:
            rows, actions = [], []
        return Effects(dedup_key=key, received_at=now, outbox=rows, actions=actions, activity=ctx.activity)
