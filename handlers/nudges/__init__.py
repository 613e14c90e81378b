"""Weekly nudges (issue 06): the members' three buttons and the facilitators' commands.

Members: [Show me] lists what is worth coming back for (and where to go: `ask`, `directory`, `peer`),
[Snooze a month] pauses the nudges for 30 days, [Stop these] turns them off (`profile` turns them back on).
Facilitators: `/agora nudge preview | run | flag <text> | report` (`/agora nudges report` too); each is
audited. The work itself is bot.nudges (the scheduler runs it weekly); these handlers stay thin.
"""

from __future__ import annotations

from bot.context import Context, Services
from bot.contributions import Contributions
from bot.nudges import report as reports
from bot.nudges import responses
from bot.nudges.campaign import NudgeCampaign
from bot.nudges.planner import Planned, add_items
from bot.nudges.render import SHOW, SNOOZE, STOP, item_line
from bot.replies import Visibility
from bot.router import Router
from handlers.nudges.admin import NudgeAdmin


def _private(ctx: Context) -> Visibility:
    return Visibility.CHANNEL if ctx.event.ref.is_dm else Visibility.EPHEMERAL


def setup(router: Router, services: Services) -> None:
    campaign = NudgeCampaign.of(services)
    contributions = Contributions.of(services)
    contributions.figures.append(reports.figures)
    contributions.tables.append(reports.table)
    admin = NudgeAdmin(campaign)

    @router.command("agora nudge", "agora nudges", "agora relance", "agora relances", role="facilitator",
                    help_key="nudges.cmd.admin")
    async def nudge_admin(ctx: Context) -> None:
        await admin.handle(ctx, ctx.route.args if ctx.route else "")

    @router.action(SHOW)
    async def show(ctx: Context) -> None:
        assert ctx.member is not None
        uow = await ctx.uow()
        now = ctx.clock.now()
        await responses.record_response(uow.session, ctx.community_id, ctx.member.id, _period(ctx), "show", now)
        planned = Planned(ctx.member.id, "", ctx.locale, None, 0, False)
        await add_items(uow.session, ctx.community_id, [planned], now, contributions.nudge_sources)
        lines = [ctx.t("nudges.show.title")]
        lines += [item_line(ctx.t, item, ctx.locale) for item in planned.items] or [ctx.t("nudges.show.none")]
        lines.append(ctx.t("nudges.show.where"))
        ctx.reply("\n".join(lines), visibility=_private(ctx))

    @router.action(SNOOZE)
    async def snooze(ctx: Context) -> None:
        assert ctx.member is not None
        uow = await ctx.uow()
        now = ctx.clock.now()
        await responses.record_response(uow.session, ctx.community_id, ctx.member.id, _period(ctx), "snooze", now)
        until = await responses.snooze(uow.session, ctx.community_id, ctx.member.id, now)
        ctx.reply(ctx.t("nudges.snoozed", date=until.date().isoformat()), visibility=_private(ctx))

    @router.action(STOP)
    async def stop(ctx: Context) -> None:
        assert ctx.member is not None
        uow = await ctx.uow()
        now = ctx.clock.now()
        await responses.record_response(uow.session, ctx.community_id, ctx.member.id, _period(ctx), "stop", now)
        await responses.stop(uow.session, ctx.community_id, ctx.member.id)
        ctx.reply(ctx.t("nudges.stopped"), visibility=_private(ctx))


def _period(ctx: Context) -> str:
    """The period the pressed button belongs to (a stale or forged value simply matches no nudge)."""
    return (ctx.route.value if ctx.route else "")[:16]
