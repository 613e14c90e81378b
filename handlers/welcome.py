"""A first welcome when someone joins. Onboarding proper (profile, sectors, consents) builds on this."""

from __future__ import annotations

from bot.context import Context, Services
from bot.events import MemberJoined
from bot.markup import user_text
from bot.router import Router


def setup(router: Router, services: Services) -> None:
    @router.on(MemberJoined)
    async def welcome(ctx: Context) -> None:
        name = ctx.member.display_name if ctx.member else ""
        community = ctx.community.name if ctx.community else ""
        ctx.dm(ctx.t("welcome.dm", name=user_text(name), community=user_text(community)))
