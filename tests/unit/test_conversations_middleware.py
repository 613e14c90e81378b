"""The core reads once, per free-text DM, which conversations the member is in (`ctx.conversations`), so each
feature's text matcher decides without a query of its own; commands skip the read."""

from __future__ import annotations

from bot.context import Context
from bot.testing import BotTester
from tests.unit.onboarding_support import add_sectors


async def test_free_text_dms_see_the_members_conversations(bot: BotTester) -> None:
    seen: list[tuple[str, frozenset[str]]] = []

    def spy(ctx: Context, text: str) -> bool:
        seen.append((text, ctx.conversations))
        return False  # never takes the message: the features answer as usual

    async def never_called(ctx: Context) -> None:
        raise AssertionError("the spy never takes a message")

    bot.app.router.text(spy, priority=-1)(never_called)
    await add_sectors(bot)
    await bot.say("bonjour", as_="bob")  # no conversation yet
    await bot.join("zoe", locale="fr")  # the welcome opens onboarding
    await bot.say("Bretagne", as_="zoe")
    await bot.say("aide", as_="zoe")  # a command: not read, not offered to text matchers
    assert seen == [("bonjour", frozenset()), ("Bretagne", frozenset({"onboarding"}))]
