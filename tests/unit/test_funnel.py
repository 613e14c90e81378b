"""The onboarding funnel a facilitator reads: started, finished, reminded, and where the others stopped."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.testing import BotTester
from tests.unit.onboarding_support import add_sectors, button
from tests.unit.test_onboarding_reminder import tick


async def test_funnel_counts_started_finished_and_where_people_stop(database_url: str, engine: AsyncEngine,
                                                                    clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine,
                                AGORA_FACILITATORS="test:camille") as bot:
        await add_sectors(bot)
        r = await bot.join("finisher", locale="fr")
        for label in ("Passer",) * 6 + ("Oui, listez-moi", "Terminer"):
            r = await bot.click(button(r, label), as_="finisher")
        await bot.join("early", locale="fr")  # stops at the first question
        r = await bot.join("later", locale="fr")
        for label in ("Passer", "Passer"):  # stops at the region question
            r = await bot.click(button(r, label), as_="later")
        await bot.join("also-later", locale="en")
        r = await bot.say("Skip", as_="also-later")
        r = await bot.say("Skip", as_="also-later")
        clock.advance(days=4)
        assert len(await tick(bot)) == 3  # the three unfinished ones were reminded

        r = await bot.say("entonnoir", as_="camille")
        text = r[0].text
        assert "Accueil, 30 derniers jours" in text
        assert "- commencés : 4" in text and "- terminés : 1 (25 %)" in text and "- relancés : 3" in text
        assert "- filières : 1" in text and "- région : 2" in text and "compétences" not in text
        clock.advance(days=40)
        r = await bot.say("entonnoir 7", as_="camille")
        assert "7 derniers jours" in r[0].text and "- commencés : 0" in r[0].text
        r = await bot.say("funnel", as_="early")
        assert "réservée aux animateurs" in r[0].text
