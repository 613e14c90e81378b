"""What every console command shares: private answers, the audit log, ids and numbers as facilitators type
them, and figures shown in the reader's language."""

from __future__ import annotations

import re
from typing import Any

from bot.context import Context
from bot.replies import Visibility

_ID = re.compile(r"^#?(\d{1,12})$")


def private(ctx: Context) -> Visibility:
    """Console answers are for the facilitator only: in place where possible, else by DM."""
    return Visibility.CHANNEL if ctx.event.ref.is_dm else Visibility.EPHEMERAL


def args_of(ctx: Context) -> str:
    return (ctx.route.args if ctx.route else "").strip()


def parse_id(text: str) -> int | None:
    found = _ID.match(text.strip())
    return int(found.group(1)) if found else None


async def audit(ctx: Context, action: str, target: str = "", **details: Any) -> None:
    uow = await ctx.uow()
    await uow.audit(ctx.community_id).record(ctx.member.id if ctx.member else None, action, ctx.clock.now(),
                                             target, **details)


def number(ctx: Context, value: float, digits: int = 1) -> str:
    """12, 12.5 (en) or 12,5 (fr): at most `digits` decimals, no trailing zeros."""
    shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return shown.replace(".", ",") if ctx.locale == "fr" else shown


def show(ctx: Context, value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return ctx.t("facilitator.unit.percent", value=number(ctx, round(100 * value, 1)))
    if unit in ("hours", "euros"):
        return ctx.t(f"facilitator.unit.{unit}", value=number(ctx, round(value, 1)))
    return number(ctx, value)


def change(ctx: Context, delta: float | None, unit: str) -> str:
    if delta is None:
        return ""
    sign = "+" if delta >= 0 else "−"
    if unit == "percent":
        return ctx.t("facilitator.unit.points", value=sign + number(ctx, abs(round(100 * delta, 1))))
    return sign + show(ctx, abs(delta), unit)
