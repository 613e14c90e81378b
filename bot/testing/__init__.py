"""A test double shipped with the core (in the spirit of errbot's test backend): an in-memory adapter and a
`BotTester` with which a handler test reads like a short chat.

    async with BotTester.create(database_url) as bot:
        replies = await bot.say("aide", as_="alice")
        assert "Voici" in replies[0].text
        await bot.click(replies[0].buttons[0], as_="alice")

Everything real runs: the pipeline, the store, the outbox and the sender; only the platform is replaced.
"""

from bot.testing.adapter import Delivered, TestAdapter
from bot.testing.chat import BotTester

__all__ = ["BotTester", "Delivered", "TestAdapter"]
