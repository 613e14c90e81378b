"""Telegram group administrators become facilitators when Agora first sees them (the adapter asks Telegram
who administers the group, getChatAdministrators); other members do not; a failing lookup costs nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram_bot.admins import FAILED_FOR, GroupAdmins
from bot.clock import ManualClock
from bot.events import ConversationRef, MessageReceived, Sender
from bot.store.models import Member
from tests.contract.harness import wait_for
from tests.contract.telegram_harness import harness


async def roles(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as conn:
        return dict((await conn.execute(select(Member.display_name, Member.role))).all())


async def test_group_admins_are_facilitators_others_are_members(database_url: str, engine: AsyncEngine) -> None:
    async with harness(database_url, engine) as h:
        h.fake.admins[h.names.chat("C1")] = [h.names.user("U700")]
        await h.command("U700", "aide", channel="C1")
        await h.command("U701", "aide", channel="C1")
        await wait_for(h, lambda s: "Voici" in s.text)
        await wait_for(h, lambda s: sum("Voici" in x.text for x in h.sent) == 2)
        lookups = h.fake.calls_to("getChatAdministrators")
        assert len(lookups) == 1  # asked once for the group, then remembered
    assert await roles(engine) == {"U700": "facilitator", "U701": "member"}


async def test_private_chats_need_no_lookup(database_url: str, engine: AsyncEngine) -> None:
    async with harness(database_url, engine) as h:
        await h.command("U702", "aide", channel=None)  # a private chat: nothing to ask
        await wait_for(h, lambda s: "Voici" in s.text)
        assert h.fake.calls_to("getChatAdministrators") == []
    assert await roles(engine) == {"U702": "member"}


async def test_a_failing_lookup_flags_nobody_and_is_retried_later(clock: ManualClock) -> None:
    asked: list[int] = []

    async def fetch(chat_id: int) -> set[str]:
        asked.append(chat_id)
        if len(asked) == 1:
            raise ConnectionError("telegram unreachable")
        return {"42"}

    admins = GroupAdmins(fetch, clock.monotonic)
    event = MessageReceived(platform="telegram", event_id="1", sender=Sender("42"), ts=clock.now(), text="hi",
                            ref=ConversationRef("telegram", "bot", "-100123", "42"))
    assert not (await admins.flag(event)).sender.is_platform_admin
    assert not (await admins.flag(event)).sender.is_platform_admin and asked == [-100123]  # remembered a while
    clock.advance(seconds=FAILED_FOR + 1)
    assert (await admins.flag(event)).sender.is_platform_admin and asked == [-100123, -100123]
