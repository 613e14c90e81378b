"""language / langue: a member chooses French or English; every later message follows."""

from __future__ import annotations

from bot.context import Context, Services
from bot.i18n import SUPPORTED, normalise_locale
from bot.replies import Button
from bot.router import Router


def setup(router: Router, services: Services) -> None:
    @router.command("language", "langue", "lang", help_key="language.cmd")
    async def choose(ctx: Context) -> None:
        wanted = normalise_locale(ctx.route.args if ctx.route else "")
        if wanted is None:
            buttons = [Button(ctx.t(f"language.name.{code}"), "language.set", code) for code in SUPPORTED]
            ctx.say("language.ask", buttons=buttons)
            return
        await _set(ctx, wanted)

    @router.action("language.set")
    async def clicked(ctx: Context) -> None:
        wanted = normalise_locale(ctx.route.value if ctx.route else "")
        if wanted is None:
            ctx.say("language.ask", buttons=[Button(ctx.t(f"language.name.{c}"), "language.set", c)
                                             for c in SUPPORTED])
            return
        await _set(ctx, wanted)


async def _set(ctx: Context, locale: str) -> None:
    assert ctx.member is not None
    uow = await ctx.uow()
    await uow.members(ctx.community_id).set_fields(ctx.member.id, locale=locale)
    identities, member_id = ctx.services.identities, ctx.member.id
    ctx.on_commit.append(lambda: identities.forget_member(member_id))  # every platform of this member
    ctx.set_locale(locale)
    ctx.say("language.set")
