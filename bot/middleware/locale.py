"""Locale: the member's chosen language, else the platform's hint, else the community's default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import normalise_locale

if TYPE_CHECKING:
    from bot.context import Context
    from bot.middleware import Next


async def choose_locale(ctx: Context, call_next: Next) -> None:
    chosen = (
        (ctx.member.locale if ctx.member else None)
        or normalise_locale(ctx.event.sender.locale)
        or (ctx.community.default_locale if ctx.community else None)
        or ctx.services.settings.default_locale
    )
    ctx.set_locale(normalise_locale(chosen) or "fr")
    await call_next()
