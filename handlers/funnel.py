"""`funnel` / `entonnoir`: the onboarding figures for facilitators over the last N days (30 by default):
how many started, how many finished, how many got the reminder, and the step where the others stopped."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context, Services
from bot.replies import Visibility
from bot.router import Router
from bot.store.onboarding import Onboardings
from handlers.onboarding.steps import ORDER

DEFAULT_DAYS = 30
MAX_DAYS = 3650


def setup(router: Router, services: Services) -> None:
    @router.command("funnel", "entonnoir", role="facilitator", help_key="funnel.cmd")
    async def funnel(ctx: Context) -> None:
        args = (ctx.route.args if ctx.route else "").strip()
        days = int(args) if args.isdigit() and 0 < int(args) <= MAX_DAYS else DEFAULT_DAYS
        uow = await ctx.uow()
        since = ctx.clock.now() - timedelta(days=days)
        figures = await Onboardings(uow.session, ctx.community_id).funnel(since)
        rate = round(100 * figures.finished / figures.started) if figures.started else 0
        lines = [ctx.t("funnel.title", days=days),
                 ctx.t("funnel.figures", started=figures.started, finished=figures.finished, rate=rate,
                       reminded=figures.reminded)]
        if figures.stopped_at:
            lines.append(ctx.t("funnel.stopped"))
            for step in ORDER:
                if figures.stopped_at.get(step):
                    lines.append(ctx.t("funnel.step", step=ctx.t(f"onboarding.step.{step}"),
                                       count=figures.stopped_at[step]))
        private = Visibility.CHANNEL if ctx.event.ref.is_dm else Visibility.EPHEMERAL
        ctx.reply("\n".join(lines), visibility=private)
