"""Referrals (parrainage): `invite` gives a member their personal code (and a Telegram deep link when the
bot's username is known); a newcomer is attributed when they start with the code (`/start P-XXXXXX`, the deep
link) or type it during onboarding. The sponsor hears of it and may become the newcomer's buddy. A referral
counts once the newcomer finished onboarding and stayed AGORA_REFERRAL_STAY_DAYS; the sponsor is then
thanked, and facilitators read the leaderboard with `referrals`."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context, Services
from bot.events import MemberLeft, ScheduledTick
from bot.markup import user_text
from bot.replies import Button, Visibility
from bot.router import Router
from bot.store.onboarding import Onboardings
from bot.store.profiles import Profiles
from bot.store.referrals import Referrals, normalise_code

TICK = "hourly"


def looks_like_code(text: str) -> bool:
    return normalise_code(text) is not None


def _private(ctx: Context) -> Visibility:
    return Visibility.CHANNEL if ctx.event.ref.is_dm else Visibility.EPHEMERAL


def _days(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


async def attribute_typed_code(ctx: Context, raw: str) -> str:
    """Attribute the member to the code's owner; returns the line that tells them how it went."""
    assert ctx.member is not None
    code = normalise_code(raw)
    uow = await ctx.uow()
    referrals = Referrals(uow.session, ctx.community_id)
    sponsor_id = await referrals.owner(code) if code else None
    if code is None or sponsor_id is None:
        return ctx.t("referral.invalid")
    if sponsor_id == ctx.member.id:
        return ctx.t("referral.self")
    if await referrals.of_newcomer(ctx.member.id) is not None:
        return ctx.t("referral.already")
    record = await Onboardings(uow.session, ctx.community_id).get(ctx.member.id)
    if record is not None and record.finished_at is not None:
        return ctx.t("referral.too_late")
    referral = await referrals.attribute(sponsor_id, ctx.member.id, code, ctx.clock.now())
    sponsor = await uow.members(ctx.community_id).get(sponsor_id)
    assert sponsor is not None
    target = await Profiles(uow.session, ctx.community_id).dm_ref(sponsor_id)
    if target is not None and sponsor.left_at is None:
        st = ctx.services.translator(sponsor.locale or _community_locale(ctx))
        ctx.reply(st("referral.sponsor_notice", name=user_text(ctx.member.display_name)), target=target,
                  visibility=Visibility.DM, buttons=[
                      Button(st("referral.button.buddy"), "ref.buddy", str(referral.id), style="primary"),
                      Button(st("referral.button.no_buddy"), "ref.nobuddy", str(referral.id))])
    return ctx.t("referral.attributed", name=user_text(sponsor.display_name))


def _community_locale(ctx: Context) -> str:
    return ctx.community.default_locale if ctx.community else ctx.services.settings.default_locale


def setup(router: Router, services: Services) -> None:
    @router.command("invite", "inviter", "parrainer", help_key="referral.cmd.invite")
    async def invite(ctx: Context) -> None:
        assert ctx.member is not None
        uow = await ctx.uow()
        code = await Referrals(uow.session, ctx.community_id).code_for(ctx.member.id, ctx.clock.now())
        settings = ctx.services.settings
        lines = [ctx.t("referral.invite", code=code, days=_days(settings.referral_stay_days))]
        if settings.telegram_bot_username:
            bot = settings.telegram_bot_username.lstrip("@")
            lines.append(ctx.t("referral.invite_link", link=f"https://t.me/{bot}?start={code}"))
        ctx.reply("\n".join(lines), visibility=_private(ctx))

    @router.command("referrals", "parrainages", role="facilitator", help_key="referral.cmd.board")
    async def board(ctx: Context) -> None:
        uow = await ctx.uow()
        standings = await Referrals(uow.session, ctx.community_id).leaderboard()
        if not standings:
            ctx.reply(ctx.t("referral.board.empty"), visibility=_private(ctx))
            return
        lines = [ctx.t("referral.board.title", days=_days(ctx.services.settings.referral_stay_days))]
        lines += [ctx.t("referral.board.row", rank=rank, name=user_text(s.name), counted=s.counted,
                        pending=s.pending) for rank, s in enumerate(standings, start=1)]
        ctx.reply("\n".join(lines), visibility=_private(ctx))

    @router.action("ref.buddy")
    async def buddy(ctx: Context) -> None:
        assert ctx.member is not None
        uow = await ctx.uow()
        referrals = Referrals(uow.session, ctx.community_id)
        value = ctx.route.value if ctx.route else ""
        referral = await referrals.get(int(value)) if value.isdigit() else None
        if referral is None or referral.sponsor_id != ctx.member.id:
            ctx.reply(ctx.t("referral.buddy_gone"), visibility=_private(ctx))
            return
        if not await referrals.mark_buddy(referral.id, ctx.clock.now()):
            ctx.reply(ctx.t("referral.buddy_already"), visibility=_private(ctx))
            return
        newcomer = await uow.members(ctx.community_id).get(referral.newcomer_id)
        profiles = Profiles(uow.session, ctx.community_id)
        target = await profiles.dm_ref(referral.newcomer_id)
        if newcomer is None or target is None:
            ctx.reply(ctx.t("referral.buddy_gone"), visibility=_private(ctx))
            return
        # Mention each other where they share a workspace; elsewhere, their names.
        here = await profiles.account_in(referral.newcomer_id, ctx.member.workspace_id)
        sponsor = f"@[{ctx.event.sender.user_id}]" if here else user_text(ctx.member.display_name)
        name = f"@[{here}]" if here else user_text(newcomer.display_name)
        nt = ctx.services.translator(newcomer.locale or _community_locale(ctx))
        ctx.reply(nt("referral.buddy_newcomer", sponsor=sponsor), target=target, visibility=Visibility.DM)
        ctx.reply(ctx.t("referral.buddy_sponsor", name=name), visibility=_private(ctx))

    @router.action("ref.nobuddy")
    async def no_buddy(ctx: Context) -> None:
        ctx.reply(ctx.t("referral.no_buddy"), visibility=_private(ctx))

    @router.on(ScheduledTick)
    async def count(ctx: Context) -> None:
        """Referrals that now count: the sponsor is thanked (once: the count is claimed first)."""
        event = ctx.event
        if not isinstance(event, ScheduledTick) or event.job != TICK:
            return
        uow = await ctx.uow()
        now, settings = ctx.clock.now(), ctx.services.settings
        referrals = Referrals(uow.session, ctx.community_id)
        members, profiles = uow.members(ctx.community_id), Profiles(uow.session, ctx.community_id)
        for referral in await referrals.due(now, timedelta(days=settings.referral_stay_days)):
            if not await referrals.claim_count(referral.id, now):
                continue
            sponsor = await members.get(referral.sponsor_id)
            newcomer = await members.get(referral.newcomer_id)
            target = await profiles.dm_ref(referral.sponsor_id)
            if sponsor is None or newcomer is None or sponsor.left_at is not None or target is None:
                continue
            st = ctx.services.translator(sponsor.locale or _community_locale(ctx))
            ctx.reply(st("referral.thanks", name=user_text(newcomer.display_name),
                         days=_days(settings.referral_stay_days), count=await referrals.counted(sponsor.id)),
                      target=target, visibility=Visibility.DM)

    @router.on(MemberLeft)
    async def left(ctx: Context) -> None:
        """Gone from their last workspace: a referral no longer counts, the directory no longer lists them."""
        if ctx.member is None:
            return
        uow = await ctx.uow()
        members = uow.members(ctx.community_id)
        if len(await members.accounts_of(ctx.member.id)) <= 1:
            await members.set_fields(ctx.member.id, left_at=ctx.clock.now())
