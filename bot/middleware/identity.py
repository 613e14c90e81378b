"""Identity resolution: the event's community and member, from the cache or the store. Bot senders are ignored."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.events import ScheduledTick

if TYPE_CHECKING:
    from bot.context import Context
    from bot.middleware import Next

log = logging.getLogger("agora.identity")


async def resolve_identity(ctx: Context, call_next: Next) -> None:
    event = ctx.event
    identities = ctx.services.identities
    if isinstance(event, ScheduledTick):
        ctx.community = await identities.community(event.community_id)
        if ctx.community is None:
            return
        await call_next()
        return
    if event.sender.is_bot:
        return
    member = await identities.resolve(event)
    if member is None:
        log.warning("event from an unmapped workspace ignored",
                    extra={"platform": event.platform, "workspace": event.ref.workspace_id})
        return
    ctx.member = member
    ctx.community = await identities.community(member.community_id)
    if ctx.community is None:
        return
    await call_next()
