"""Activity recording: what kind of thing the member did and when, never what they wrote. The row is written
with the event's other effects in the batched write path."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.context import Context
    from bot.middleware import Next


async def record_activity(ctx: Context, call_next: Next) -> None:
    kind = ctx.event.activity_kind
    if kind is not None and ctx.member is not None:
        ctx.activity = {
            "community_id": ctx.member.community_id,
            "member_id": ctx.member.id,
            "kind": kind,
            "platform": ctx.event.platform,
            "ts": ctx.event.ts,
        }
    await call_next()
