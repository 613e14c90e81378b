"""Which multi-step conversations (onboarding, a help request's relay, an FAQ proposal...) the member is in,
read once per free-text DM: one indexed query, so each feature's text matcher decides from `ctx.conversations`
without a read of its own, and a member in no conversation costs one read whatever the number of features.
Commands, buttons and channel messages skip it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.events import MessageReceived
from bot.store.models import ConversationState
from bot.text import strip_invisible

if TYPE_CHECKING:
    from bot.context import Context
    from bot.middleware import Next


async def load_conversations(ctx: Context, call_next: Next) -> None:
    event = ctx.event
    if isinstance(event, MessageReceived) and event.ref.is_dm and ctx.member is not None and event.text:
        first = strip_invisible(event.text).strip().partition(" ")[0].lstrip("/!")
        if first and not ctx.router.is_command(first):
            stmt = select(ConversationState.kind).where(
                ConversationState.community_id == ctx.member.community_id,
                ConversationState.member_id == ctx.member.id,
                ConversationState.expires_at > ctx.clock.now())
            async with ctx.services.sessions() as session:  # outside the event's transaction: a cheap look
                ctx.conversations = frozenset((await session.execute(stmt)).scalars())
    await call_next()
