"""Linking accounts across platforms: `link` on one platform gives a one-time code; `link CODE` (or Telegram's
`/start CODE` deep link) on another makes both accounts one member. `/start` with a referral code
(P-XXXXXX, see handlers.referrals) attributes the newcomer to their sponsor; `/start` opens onboarding (or
greets a member who already finished it)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bot.context import Context, Services
from bot.errors import UserFacingError
from bot.markup import user_text
from bot.router import Router
from bot.store.links import ALPHABET, CODE_LENGTH, LinkCodes
from handlers.onboarding import begin
from handlers.onboarding.chat import welcome_lead
from handlers.referrals import attribute_typed_code, looks_like_code

CODE_TTL = timedelta(minutes=15)
_CODE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


def setup(router: Router, services: Services) -> None:
    @router.command("link", "lier", help_key="link.cmd")
    async def link(ctx: Context) -> None:
        args = (ctx.route.args if ctx.route else "").strip()
        if args:
            await _redeem(ctx, args)
            return
        assert ctx.member is not None
        uow = await ctx.uow()
        code = await LinkCodes(uow.session, ctx.community_id).issue(ctx.member.id, ctx.clock.now(), CODE_TTL)
        ctx.dm(ctx.t("link.code", code=code, minutes=int(CODE_TTL.total_seconds() // 60)))
        if not ctx.event.ref.is_dm:
            ctx.ephemeral(ctx.t("link.sent_privately"))

    @router.command("start")
    async def start(ctx: Context) -> None:
        args = (ctx.route.args if ctx.route else "").strip()
        if args and _CODE.match(args.upper()):
            await _redeem(ctx, args)
            return
        name = ctx.member.display_name if ctx.member else ""
        community = ctx.community.name if ctx.community else ""
        greeting = ctx.t("welcome.dm", name=user_text(name), community=user_text(community))
        lead = welcome_lead(ctx)
        if args and looks_like_code(args):
            line = await attribute_typed_code(ctx, args)
            lead, greeting = f"{lead}\n{line}", f"{greeting}\n{line}"
        await begin(ctx, lead, done=greeting)


async def _redeem(ctx: Context, raw: str) -> None:
    assert ctx.member is not None
    code = raw.strip().upper()
    if not _CODE.match(code):
        raise UserFacingError("link.invalid")
    uow = await ctx.uow()
    codes = LinkCodes(uow.session, ctx.community_id)
    target = await codes.consume(code, ctx.clock.now())
    if target is None:
        raise UserFacingError("link.invalid")
    if target == ctx.member.id:
        ctx.say("link.already")
        return
    await codes.merge(ctx.member.id, target)
    # This very event now belongs to the merged member too (its activity row and replies).
    ctx.member = replace(ctx.member, id=target)
    if ctx.activity is not None:
        ctx.activity["member_id"] = target
    target_member = await uow.members(ctx.community_id).get(target)
    identities, event = ctx.services.identities, ctx.event
    ctx.on_commit.append(lambda: identities.forget(event.platform, event.ref.workspace_id, event.sender.user_id))
    ctx.say("link.done", name=user_text(target_member.display_name if target_member else ""))
