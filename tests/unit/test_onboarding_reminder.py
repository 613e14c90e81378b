"""The one reminder for an unfinished onboarding, driven by the scheduler's hourly tick with a ManualClock."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.testing import BotTester, Delivered
from tests.unit.onboarding_support import add_sectors, button, to


async def tick(bot: BotTester) -> list[Delivered]:
    """What the scheduler does every hour, called directly; returns what was delivered."""
    before = len(bot.adapter.sent)
    assert await bot.app.scheduler.tick("hourly") == 1  # one community
    await bot.app.sender.drain("test")
    return bot.adapter.sent[before:]


async def test_one_reminder_after_the_delay_and_never_more(bot: BotTester, clock: ManualClock) -> None:
    await add_sectors(bot)
    r = await bot.join("zoe", locale="fr")
    await bot.click(button(r, "Passer"), as_="zoe")  # at the skills question now
    await bot.join("done", locale="en")
    for label in ("Skip",) * 6 + ("No, keep me out", "Finish"):  # a member who finished: never reminded
        r = await bot.click(button(bot.adapter.sent[-1:], label), as_="done")

    clock.advance(days=2, hours=23)
    assert await tick(bot) == []
    clock.advance(hours=2)  # three days without progress (AGORA_ONBOARDING_REMINDER_DAYS)
    sent = await tick(bot)
    assert len(sent) == 1 and sent[0].user_id == "zoe" and sent[0].visibility == "dm"
    assert "pas encore terminé" in sent[0].text and "(2/7)" in sent[0].text  # where she stopped
    r = await bot.click(button(sent, "Terminé"), as_="zoe")  # its buttons work
    assert "(3/7)" in r[0].text

    clock.advance(days=30)
    assert await tick(bot) == []  # never a second one, however long it stays unfinished
    assert to(await tick(bot), "zoe") == []


async def test_the_reminder_revives_an_expired_flow_where_it_stopped(database_url: str, engine: AsyncEngine,
                                                                    clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine,
                                AGORA_ONBOARDING_EXPIRY_DAYS="2", AGORA_ONBOARDING_REMINDER_DAYS="5") as bot:
        await add_sectors(bot)
        r = await bot.join("zoe", locale="en")
        r = await bot.click(button(r, "Skip"), as_="zoe")
        r = await bot.click(button(r, "Skip"), as_="zoe")  # at the region question
        clock.advance(days=5, minutes=1)  # expired after 2 days; reminded after 5
        sent = await tick(bot)
        assert len(sent) == 1 and "(3/7) Where are you based?" in sent[0].text
        r = await bot.say("Dakar", as_="zoe")  # the revived flow takes typed answers again
        assert "(4/7)" in r[0].text
