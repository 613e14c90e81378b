"""`/agora stats [period]`, `/agora retention [period]` and `/agora export [period]`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from bot.context import Context
from bot.contributions import Contributions, Table
from bot.errors import UserFacingError
from bot.facilitator import export, files
from bot.facilitator.periods import BadPeriod, Period, parse_period
from bot.facilitator.retention import retention_figures
from bot.facilitator.stats import Compared, compare
from bot.markup import user_text
from bot.replies import Attachment, Reply
from handlers.facilitator.common import args_of, audit, change, private, show


def period_of(ctx: Context) -> Period:
    assert ctx.community is not None
    text = args_of(ctx)
    try:
        return parse_period(text, ctx.clock.now(), ctx.community.timezone)
    except BadPeriod:
        raise UserFacingError("facilitator.period.bad", period=user_text(text[:60])) from None


def period_title(ctx: Context, period: Period) -> str:
    return ctx.t("facilitator.period.range", start=period.start.date().isoformat(),
                 end=(period.end.date().isoformat()))


def line(ctx: Context, item: Compared) -> str:
    figure = item.current
    text = f"- {ctx.t(figure.label)}: *{show(ctx, figure.value, figure.unit)}*"
    if item.previous is not None:
        delta = change(ctx, item.change, figure.unit)
        before = show(ctx, item.previous.value, item.previous.unit)
        text += " " + ctx.t("facilitator.stats.before", value=before, change=delta or "–")
    return text


async def stats_command(ctx: Context) -> None:
    period = period_of(ctx)
    uow = await ctx.uow()
    sources = Contributions.of(ctx.services).figures
    compared = await compare(uow.session, ctx.community_id, period, sources)
    lines = [ctx.t("facilitator.stats.title", period=period_title(ctx, period))]
    lines += [line(ctx, item) for item in compared]
    await audit(ctx, "facilitator.stats", period.label)
    attachments: tuple[Attachment, ...] = ()
    if ctx.services.capability(ctx.event.platform).files:
        attachments = (await asyncio.to_thread(chart, ctx, compared, period),)  # drawing takes ~0.1 s
    ctx.replies.append(Reply("\n".join(lines), visibility=private(ctx), attachments=attachments))


def chart(ctx: Context, compared: list[Compared], period: Period) -> Attachment:
    from bot.facilitator.chart import bar_chart  # matplotlib only when a chart is drawn

    assert ctx.community is not None
    counts = [c for c in compared if c.current.unit == "count" and c.current.value is not None]
    png = bar_chart(ctx.t("facilitator.stats.chart_title", period=period_title(ctx, period)),
                    [ctx.t(c.current.label) for c in counts], [float(c.current.value or 0) for c in counts],
                    [float(c.previous.value or 0) if c.previous else 0.0 for c in counts],
                    (ctx.t("facilitator.stats.chart_now"), ctx.t("facilitator.stats.chart_before")))
    folder = files.folder(ctx.services.settings.data_dir, ctx.community.slug, "charts", ctx.clock.now())
    path = files.write(folder, "stats.png", png)
    return Attachment("stats.png", str(path), "image/png")


async def retention_command(ctx: Context) -> None:
    period = period_of(ctx)
    uow = await ctx.uow()
    now = await retention_figures(uow.session, ctx.community_id, period.start, period.end)
    before = period.previous()
    then = {f.key: f for f in await retention_figures(uow.session, ctx.community_id, before.start, before.end)}
    lines = [ctx.t("facilitator.retention.title", period=period_title(ctx, period))]
    lines += [line(ctx, Compared(f, then.get(f.key))) for f in now]
    lines.append(ctx.t("facilitator.retention.formula"))
    await audit(ctx, "facilitator.retention", period.label)
    ctx.reply("\n".join(lines), visibility=private(ctx))


async def export_command(ctx: Context) -> None:
    assert ctx.community is not None
    period = period_of(ctx)
    uow = await ctx.uow()
    tables = await export.all_tables(uow.session, ctx.community_id, period.start, period.end,
                                     Contributions.of(ctx.services).tables)
    attachments = await asyncio.to_thread(_write_tables, ctx.services.settings.data_dir, ctx.community.slug,
                                          ctx.clock.now(), tables)
    await audit(ctx, "facilitator.export", period.label, tables=[t.name for t in tables])
    text = ctx.t("facilitator.export.done", count=len(tables), period=period_title(ctx, period))
    ctx.replies.append(Reply(text, visibility=private(ctx), attachments=attachments))


def _write_tables(data_dir: str, slug: str, now: datetime, tables: Sequence[Table]) -> tuple[Attachment, ...]:
    """The CSV files on disk (in a worker thread: a large export must not stall other conversations)."""
    folder = files.folder(data_dir, slug, "exports", now)
    return tuple(Attachment(f"{t.name}.csv", str(files.write(folder, f"{t.name}.csv", export.to_csv(t))), "text/csv")
                 for t in tables)
