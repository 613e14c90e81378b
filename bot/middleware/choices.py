"""Numbered choices, the visible fallback for platforms without buttons: a member who answers "2" after a
message that offered choices has clicked its second button. The choices are read from the persisted outbox
row, so they survive a restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.events import ButtonClicked, MessageReceived
from bot.store.models import Outbox
from bot.text import strip_invisible

if TYPE_CHECKING:
    from bot.context import Context
    from bot.middleware import Next


async def numbered_choices(ctx: Context, call_next: Next) -> None:
    event = ctx.event
    if (
        isinstance(event, MessageReceived)
        and ctx.community is not None
        and not ctx.services.capability(event.platform).buttons
    ):
        text = strip_invisible(event.text).strip().rstrip(".)")
        if text.isdigit() and len(text) <= 2:
            action_id = await _choice(ctx, int(text))
            if action_id is not None:
                ctx.event = ButtonClicked(platform=event.platform, event_id=event.event_id, ref=event.ref,
                                          sender=event.sender, ts=event.ts, action_id=action_id)
    await call_next()


async def _choice(ctx: Context, number: int) -> str | None:
    event = ctx.event
    stmt = (
        select(Outbox.buttons)
        .where(
            Outbox.community_id == ctx.community_id,
            Outbox.platform == event.platform,
            Outbox.workspace_id == event.ref.workspace_id,
            Outbox.user_id == event.ref.user_id,
        )
        .order_by(Outbox.id.desc())
        .limit(1)
    )
    async with ctx.services.sessions() as session:
        buttons = (await session.execute(stmt)).scalar_one_or_none()
    if not buttons or not 1 <= number <= len(buttons):
        return None
    return str(buttons[number - 1]["action_id"])
