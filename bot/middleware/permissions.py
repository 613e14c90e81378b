"""Routing and permissions: the router picks the handler, and the role it needs is checked here, in the core,
for every command and button, so no handler can forget it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.errors import PermissionDenied

if TYPE_CHECKING:
    from bot.context import Context
    from bot.middleware import Next

log = logging.getLogger("agora.permissions")


async def route(ctx: Context, call_next: Next) -> None:
    ctx.route = ctx.router.resolve(ctx)
    if ctx.route is None:
        return
    await call_next()


async def check_permissions(ctx: Context, call_next: Next) -> None:
    needed = ctx.route.role if ctx.route else "member"
    if needed != "member":
        if ctx.member is None or not ctx.member.has_role(needed):
            log.info("permission refused", extra={"needed": needed,
                                                  "member_id": ctx.member.id if ctx.member else None})
            raise PermissionDenied(needed)
    await call_next()
