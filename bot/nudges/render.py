"""A nudge as the member reads it: a greeting, why they get it, what is worth coming back for, three buttons.
Everything in their language; names and anything members wrote go through `user_text`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.contributions import NudgeItem
from bot.i18n import Translator
from bot.markup import user_text
from bot.nudges.planner import Planned
from bot.replies import Button

SHOW, SNOOZE, STOP = "nudge.show", "nudge.snooze", "nudge.stop"


def localised(params: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """Params with every {locale: text} mapping replaced by the member's text (French when missing)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Mapping):
            value = value.get(locale) or value.get("fr") or next(iter(value.values()), "")
        out[key] = value
    return out


def item_line(t: Translator, item: NudgeItem, locale: str) -> str:
    return "- " + t(item.text_key, **localised(item.params, locale))


def message(t: Translator, planned: Planned, locale: str, community: str, window_days: int,
            period: str) -> tuple[str, list[Button]]:
    """The text and buttons of one member's nudge."""
    lines = [t("nudges.message.hello", name=user_text(planned.name) or t("nudges.message.there"),
               days=planned.days, community=user_text(community))]
    if planned.items:
        lines.append(t("nudges.message.items"))
        lines += [item_line(t, item, locale) for item in planned.items]
    else:
        lines.append(t("nudges.message.nothing"))
    lines.append("")
    lines.append(t("nudges.message.why", days=planned.days, window=window_days))
    buttons = [Button(t("nudges.button.show"), SHOW, period, style="primary"),
               Button(t("nudges.button.snooze"), SNOOZE, period),
               Button(t("nudges.button.stop"), STOP, period, style="danger")]
    return "\n".join(lines), buttons
