"""When someone joins: a welcome within seconds, by DM (the outbox falls back to a mention in the workspace's
fallback channel when DMs are closed), in their language when the platform told it, else in French and English
with the choice of language as the first question. The welcome opens onboarding (handlers.onboarding).

A member already known and still here (Slack also reports each channel they join) is not welcomed again; one
who had left and comes back is welcomed back, or picks up their unfinished onboarding."""

from __future__ import annotations

from bot.context import Context, Services
from bot.events import MemberJoined
from bot.router import Router
from bot.store.onboarding import Onboardings
from handlers.onboarding import begin
from handlers.onboarding.chat import welcome_back, welcome_lead


def setup(router: Router, services: Services) -> None:
    @router.on(MemberJoined)
    async def welcome(ctx: Context) -> None:
        if ctx.member is None:
            return
        uow = await ctx.uow()
        members = uow.members(ctx.community_id)
        member = await members.get(ctx.member.id)
        known = await Onboardings(uow.session, ctx.community_id).get(ctx.member.id) is not None
        returning = member is not None and member.left_at is not None
        if known and not returning:
            return
        if returning:  # back again: counted as present from now on
            await members.set_fields(ctx.member.id, left_at=None)
        await begin(ctx, welcome_lead(ctx), done=welcome_back(ctx))
