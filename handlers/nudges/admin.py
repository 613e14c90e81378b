"""`/agora nudge ...` for facilitators: preview (who would get what, nothing sent), run (this week's run now,
once), flag (a line for everyone nudged this week), report (nudged versus holdout). The core checks the role;
every action is written to the audit log (counts and ids, never the flagged text)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.context import Context
from bot.markup import user_text
from bot.nudges import report as reports
from bot.nudges import responses
from bot.nudges.campaign import NudgeCampaign
from bot.nudges.planner import Plan
from bot.nudges.render import message
from bot.replies import Visibility

PREVIEW_ROWS = 10
REPORT_WEEKS = 12

Sub = Callable[[Context, str], Awaitable[None]]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f} %"


class NudgeAdmin:
    def __init__(self, campaign: NudgeCampaign) -> None:
        self.campaign = campaign
        self.subcommands: dict[str, Sub] = {
            "preview": self.preview, "apercu": self.preview, "aperçu": self.preview,
            "run": self.run, "lancer": self.run,
            "flag": self.flag, "signaler": self.flag,
            "report": self.report, "rapport": self.report, "bilan": self.report,
        }

    async def handle(self, ctx: Context, args: str) -> None:
        sub, _, rest = args.strip().partition(" ")
        handler = self.subcommands.get(sub.lower())
        if handler is None:
            ctx.reply(ctx.t("nudges.admin.help" if sub.lower() in ("", "help", "aide") else "nudges.admin.unknown"),
                      visibility=self._where(ctx))
            return
        await handler(ctx, rest.strip())

    @staticmethod
    def _where(ctx: Context) -> Visibility:
        return Visibility.CHANNEL if ctx.event.ref.is_dm else Visibility.EPHEMERAL

    async def _audit(self, ctx: Context, action: str, target: str = "", **details: object) -> None:
        uow = await ctx.uow()
        await uow.audit(ctx.community_id).record(ctx.member.id if ctx.member else None, action, ctx.clock.now(),
                                                 target=target, **details)

    async def preview(self, ctx: Context, _: str) -> None:
        plan = await self.campaign.preview(ctx.community_id)
        await self._audit(ctx, "nudge.preview", plan.period, nudged=len(plan.nudged), held_out=len(plan.held_out))
        ctx.reply(self._preview_text(ctx, plan), visibility=self._where(ctx))

    def _preview_text(self, ctx: Context, plan: Plan) -> str:
        nudged = plan.nudged
        lines = [ctx.t("nudges.preview.title", period=plan.period, nudged=len(nudged), held_out=len(plan.held_out),
                       days=plan.rules.inactive_days)]
        for planned in nudged[:PREVIEW_ROWS]:
            lines.append(ctx.t("nudges.preview.row", name=user_text(planned.name) or f"#{planned.member_id}",
                               days=planned.days, items=len(planned.items)))
        if len(nudged) > PREVIEW_ROWS:
            lines.append(ctx.t("nudges.preview.more", count=len(nudged) - PREVIEW_ROWS))
        if nudged:
            name = ctx.community.name if ctx.community else ""
            text, _ = message(ctx.t, nudged[0], ctx.locale, name, plan.rules.window_days, plan.period)
            lines += ["", ctx.t("nudges.preview.sample"), text]
        return "\n".join(lines)

    async def run(self, ctx: Context, _: str) -> None:
        result = await self.campaign.run(ctx.community_id, trigger="manual")
        await self._audit(ctx, "nudge.run", result.period, status=result.status, nudged=result.nudged,
                          held_out=result.held_out)
        ctx.reply(ctx.t(f"nudges.run.{result.status}", period=result.period, nudged=result.nudged,
                        held_out=result.held_out), visibility=self._where(ctx))

    async def flag(self, ctx: Context, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            ctx.reply(ctx.t("nudges.flag.usage"), visibility=self._where(ctx))
            return
        if len(text) > responses.FLAG_MAX_CHARS:
            ctx.reply(ctx.t("nudges.flag.too_long", maximum=responses.FLAG_MAX_CHARS, length=len(text)),
                      visibility=self._where(ctx))
            return
        uow = await ctx.uow()
        now = ctx.clock.now()
        flag_id = await responses.add_flag(uow.session, ctx.community_id, text,
                                           ctx.member.id if ctx.member else None, now)
        await self._audit(ctx, "nudge.flag", str(flag_id), chars=len(text))
        ctx.reply(ctx.t("nudges.flag.added", text=user_text(text), days=responses.FLAG_DAYS.days),
                  visibility=self._where(ctx))

    async def report(self, ctx: Context, _: str) -> None:
        uow = await ctx.uow()
        now = ctx.clock.now()
        found = await reports.report(uow.session, ctx.community_id, now - timedelta(weeks=REPORT_WEEKS), now, now)
        await self._audit(ctx, "nudge.report")
        lift = None if found.lift is None else f"{found.lift * 100:+.0f}"
        lines = [ctx.t("nudges.report.title", weeks=REPORT_WEEKS),
                 ctx.t("nudges.report.nudged", members=found.nudged.members, back=found.nudged.reactivated,
                       rate=_percent(found.nudged.rate)),
                 ctx.t("nudges.report.holdout", members=found.holdout.members, back=found.holdout.reactivated,
                       rate=_percent(found.holdout.rate)),
                 ctx.t("nudges.report.lift", lift=lift or "-")]
        if found.pending:
            lines.append(ctx.t("nudges.report.pending", count=found.pending))
        ctx.reply("\n".join(lines), visibility=self._where(ctx))
