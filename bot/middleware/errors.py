"""The one place errors become messages: a UserFacingError is said politely in the member's language, anything
else is logged (ids only, never contents) and answered with a generic apology. The event never crashes the bot."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.errors import DuplicateEvent, UserFacingError
from bot.replies import Visibility

if TYPE_CHECKING:
    from bot.context import Context
    from bot.middleware import Next

log = logging.getLogger("agora.errors")


async def handle_errors(ctx: Context, call_next: Next) -> None:
    try:
        await call_next()
    except DuplicateEvent:
        raise
    except UserFacingError as err:
        await _rollback(ctx)
        ctx.replies.clear()
        ctx.reply(ctx.t(err.key, **err.params), visibility=_private(ctx))
    except Exception:
        log.exception("handler failed", extra={"event_type": type(ctx.event).__name__,
                                               "platform": ctx.event.platform, "event_id": ctx.event.event_id})
        await _rollback(ctx)
        ctx.replies.clear()
        if ctx.member is not None:
            ctx.reply(ctx.t("error.internal"), visibility=_private(ctx))


def _private(ctx: Context) -> Visibility:
    return Visibility.CHANNEL if ctx.event.ref.is_dm else Visibility.EPHEMERAL


async def _rollback(ctx: Context) -> None:
    uow = ctx.detach_uow()
    if uow is not None:
        await uow.__aexit__(RuntimeError, RuntimeError("rollback"), None)
