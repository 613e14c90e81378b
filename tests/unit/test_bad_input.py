"""Bad input never crashes the bot nor loses the member's state."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.events import ConversationRef, MessageReceived, Sender
from bot.store.models import Member
from bot.testing import BotTester
from bot.text import MAX_TEXT, clean_text

ODD = [
    "x" * 10_000,
    "مرحبا بكم في الاتحاد",  # right-to-left
    "\u202eevil\u202c override",
    "a\u200bi\u200bd\u200be",  # zero-width between letters
    "👩🏽‍🌾🇸🇳🧑‍🔧" * 50,
    "nul\x00byte",
    "lone \ud800 surrogate \udfff",
    "\ufeff\u2066aide\u2069",
    "",
    "   ",
]


async def _member_locale(engine: AsyncEngine, name: str) -> str | None:
    async with engine.connect() as conn:
        return (await conn.execute(select(Member.locale).where(Member.display_name == name))).scalar_one()


async def test_odd_messages_are_survived_and_state_is_kept(bot: BotTester, engine: AsyncEngine) -> None:
    await bot.say("language en", as_="alice")
    for text in ODD:
        replies = await bot.say(text, as_="alice")
        for reply in replies:
            assert reply.text  # something polite, never an empty message
            assert "\x00" not in reply.message.text
    assert await _member_locale(engine, "Alice") == "en"
    assert "Here is what I can do" in (await bot.say("help", as_="alice"))[0].text


async def test_invisible_characters_do_not_hide_a_command(bot: BotTester) -> None:
    replies = await bot.say("\ufeff\u200baide\u200b", as_="alice")
    assert "Voici" in replies[0].text


async def test_huge_unknown_command_is_answered_briefly(bot: BotTester) -> None:
    replies = await bot.command("x" * 5000, as_="alice")
    assert len(replies) == 1 and len(replies[0].text) < 400


@given(st.text(max_size=3000))
def test_clean_text_always_yields_storable_text(raw: str) -> None:
    out = clean_text(raw)
    out.encode("utf-8")  # no lone surrogate survives
    assert "\x00" not in out and len(out) <= MAX_TEXT


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=500))
async def test_fuzzed_messages_never_crash(bot: BotTester, text: str) -> None:
    event = MessageReceived(platform="test", event_id=None, ref=ConversationRef("test", "T1", "D-fuzz", "fuzz",
                            is_dm=True), sender=Sender("fuzz", "Fuzz"), ts=bot.clock.now(), text=clean_text(text))
    await bot.send_event(event)
    assert "Voici" in (await bot.say("aide", as_="fuzz"))[0].text
