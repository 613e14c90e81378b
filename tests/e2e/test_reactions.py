"""Reactions count as activity on every platform (issue 06: messages, reactions, commands and clicks), with
nothing of the message kept: Discord's MESSAGE_REACTION_ADD and Telegram's message_reaction updates become
ReactionAdded events, and the member's activity row says "reaction". The bot's own reactions, and removing a
reaction, are not activity."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.models import Activity, Member
from tests.contract.discord_harness import harness as discord_harness
from tests.contract.telegram_harness import harness as telegram_harness


async def reactions(engine: AsyncEngine, expected: int, timeout: float = 10.0) -> list[tuple[str, str]]:
    """(member name, platform) of each "reaction" activity row, once there are `expected` (or the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(Member.display_name, Activity.platform)
                                       .join(Member, Member.id == Activity.member_id)
                                       .where(Activity.kind == "reaction"))).all()
        if len(rows) >= expected or time.monotonic() > deadline:
            return sorted((str(a), str(b)) for a, b in rows)
        await asyncio.sleep(0.05)


async def test_discord_reactions_are_activity(database_url: str, engine: AsyncEngine) -> None:
    async with discord_harness(database_url, engine) as h:
        await h.fake.react("U100", message_id=1234, channel="C1")
        await h.fake.react("U101", message_id=1234, channel=None)  # in their DM with the bot
        found = await reactions(engine, 2)
    assert [platform for _, platform in found] == ["discord", "discord"]


async def test_telegram_reactions_are_activity(database_url: str, engine: AsyncEngine) -> None:
    async with telegram_harness(database_url, engine) as h:
        def reaction(user: str, new: list[dict[str, str]], chat: str | None = "C1") -> dict[str, object]:
            return h.fake.update(message_reaction={
                "chat": h.updates.chat(chat, user), "message_id": 77, "date": int(time.time()),
                "user": h.updates.user(user), "old_reaction": [], "new_reaction": new})

        await h.push(reaction("U200", [{"type": "emoji", "emoji": "👍"}]))
        await h.push(reaction("U201", [{"type": "emoji", "emoji": "🔥"}], chat=None))
        await h.push(reaction("U202", []))  # a reaction taken back: not activity
        found = await reactions(engine, 2)
        await asyncio.sleep(0.3)
        assert await reactions(engine, 3, timeout=0.2) == found
    assert found == [("U200", "telegram"), ("U201", "telegram")]
