"""Linking two platform accounts into one member with a one-time code."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.events import CommandInvoked, ConversationRef, Sender
from bot.store.models import Activity, Member, PlatformAccount
from bot.testing import BotTester


def _cmd(bot: BotTester, name: str, args: str, user: str, workspace: str, event_id: str) -> CommandInvoked:
    return CommandInvoked(platform="test", event_id=event_id,
                          ref=ConversationRef("test", workspace, f"D-{user}", user, is_dm=True),
                          sender=Sender(user, user.capitalize()), ts=bot.clock.now(), name=name, args=args)


async def test_link_code_makes_two_accounts_one_member(bot: BotTester, engine: AsyncEngine) -> None:
    replies = await bot.command("link", as_="awa")
    code = re.search(r"\*([A-Z0-9]{8})\*", replies[0].message.text)
    assert code is not None
    # The same person on another workspace (another platform in real life) redeems the code.
    await bot.send_event(_cmd(bot, "aide", "", "awa-tg", "T2", "x1"))
    replies = await bot.send_event(_cmd(bot, "start", code.group(1).lower(), "awa-tg", "T2", "x2"))
    assert "Awa" in replies[0].text and "reliés" in replies[0].text
    async with engine.connect() as conn:
        members = (await conn.execute(select(func.count()).select_from(Member))).scalar_one()
        owners = set((await conn.execute(select(PlatformAccount.member_id))).scalars())
        activity_owners = set((await conn.execute(select(Activity.member_id))).scalars())
    assert members == 1 and len(owners) == 1 and activity_owners == owners
    # The code is single-use.
    replies = await bot.send_event(_cmd(bot, "link", code.group(1), "someone", "T2", "x3"))
    assert "pas valide" in replies[0].text


async def test_expired_or_malformed_codes_are_refused_politely(bot: BotTester, clock: ManualClock) -> None:
    replies = await bot.command("link", as_="awa")
    code = re.search(r"\*([A-Z0-9]{8})\*", replies[0].message.text)
    assert code is not None
    clock.advance(minutes=16)
    replies = await bot.send_event(_cmd(bot, "link", code.group(1), "other", "T2", "y1"))
    assert "expiré" in replies[0].text
    for bad in ("'; DROP TABLE members;--", "🙂" * 10, "x" * 5000):
        replies = await bot.send_event(_cmd(bot, "link", bad, "other", "T2", f"y-{len(bad)}-{bad[:2]}"))
        assert "pas valide" in replies[0].text
