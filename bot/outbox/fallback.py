"""When a DM is refused: a short public notice in the workspace's fallback channel, mentioning the member,
in their language. The private message itself is never posted publicly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.i18n import Catalogs, normalise_locale
from bot.store.models import Community, Member, Outbox, Workspace
from bot.store.writer import _insert


class DmFallback:
    def __init__(self, engine: AsyncEngine, catalogs: Catalogs, clock: Clock) -> None:
        self.engine = engine
        self.catalogs = catalogs
        self.clock = clock

    async def __call__(self, row: Any) -> None:
        now: datetime = self.clock.now()
        async with self.engine.begin() as conn:
            ws = (await conn.execute(
                select(Workspace.fallback_channel_id, Community.default_locale)
                .join(Community, Community.id == Workspace.community_id)
                .where(Workspace.platform == row.platform, Workspace.external_id == row.workspace_id,
                       Workspace.community_id == row.community_id)
            )).first()
            if ws is None or not ws.fallback_channel_id:
                return
            locale = ws.default_locale
            if row.member_id is not None:
                member_locale = (await conn.execute(
                    select(Member.locale).where(Member.id == row.member_id,
                                                Member.community_id == row.community_id)
                )).scalar_one_or_none()
                locale = member_locale or locale
            text = self.catalogs.translate(normalise_locale(locale) or "fr", "outbox.dm_fallback",
                                           mention=f"@[{row.user_id}]")
            await conn.execute(_insert(conn, Outbox).on_conflict_do_nothing(), [{
                "community_id": row.community_id,
                "idempotency_key": f"{row.idempotency_key}:fallback",
                "platform": row.platform,
                "workspace_id": row.workspace_id,
                "channel_id": ws.fallback_channel_id,
                "user_id": row.user_id,
                "thread_id": None,
                "member_id": row.member_id,
                "visibility": "channel",
                "text": text,
                "buttons": [],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "in_reply_to": None,
            }])
