"""Referrals: a personal code, attribution at /start or during onboarding, the buddy introduction, counting
only after onboarding and the stay, the sponsor's thanks, and the facilitators' leaderboard."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.events import CommandInvoked, ConversationRef, MemberLeft, Sender
from bot.store.profile_models import Referral
from bot.store.referrals import normalise_code
from bot.testing import BotTester, Delivered
from tests.unit.onboarding_support import button, to
from tests.unit.test_onboarding_reminder import tick

CODE = re.compile(r"P-[A-Z2-9]{6}")


async def code_of(bot: BotTester, user: str) -> str:
    r = await bot.say("parrainer", as_=user)
    found = CODE.search(r[0].text)
    assert found is not None, r[0].text
    return found.group(0)


async def start(bot: BotTester, user: str, args: str, locale: str | None = None) -> list[Delivered]:
    """Telegram's deep link: the newcomer's first message is `/start CODE`."""
    event = CommandInvoked(platform="test", event_id=f"start-{user}-{args}",
                           sender=Sender(user, user.capitalize(), locale=locale),
                           ref=ConversationRef("test", "T1", f"D-{user}", user, is_dm=True),
                           ts=bot.clock.now(), name="start", args=args)
    return await bot.send_event(event)


async def finish(bot: BotTester, user: str, replies: list[Delivered]) -> None:
    r = replies
    while "Finish" not in [b.label for b in to(r, user)[-1].buttons]:
        labels = [b.label for b in to(r, user)[-1].buttons]
        r = await bot.click(button(to(r, user), "Skip" if "Skip" in labels else "Yes, list me"), as_=user)
    await bot.click(button(to(r, user), "Finish"), as_=user)


def test_codes_are_told_apart_from_linking_codes() -> None:
    assert normalise_code("p-7kx3qm") == normalise_code("P 7KX3QM") == normalise_code("p7kx3qm") == "P-7KX3QM"
    for other in ("ABCDEFGH", "P-7KX3Q", "P-7KX3QMM", "P-0OI1QM", "", "🙂"):
        assert normalise_code(other) is None


async def test_invite_start_buddy_count_and_thanks(database_url: str, engine: AsyncEngine,
                                                  clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine, TELEGRAM_BOT_USERNAME="agora_bot",
                                AGORA_FACILITATORS="test:camille") as bot:
        bot.locales["awa"] = "fr"
        code = await code_of(bot, "awa")
        again = await bot.say("parrainer", as_="awa")
        assert code in again[0].text  # the same code every time
        assert f"https://t.me/agora_bot?start={code}" in again[0].text

        r = await start(bot, "nina", code, locale="en")
        newcomer = to(r, "nina")[0]
        assert "Welcome to Test, Nina!" in newcomer.text and "you were invited by Awa" in newcomer.text
        notice = to(r, "awa")[0]
        assert "Nina vient d'arriver avec votre code" in notice.text and notice.visibility == "dm"

        r = await bot.click(button([notice], "Oui, présentez-nous"), as_="awa")
        assert "@nina" in to(r, "awa")[0].text  # they share this workspace: a mention
        assert "@awa, who invited you, will be your buddy" in to(r, "nina")[0].text
        r = await bot.click(button([notice], "Oui, présentez-nous"), as_="awa")
        assert "déjà son binôme" in r[0].text

        assert await tick(bot) == []  # not finished yet: does not count
        await finish(bot, "nina", [newcomer])
        clock.advance(days=29)
        assert await tick(bot) == []  # finished, but has not stayed 30 days yet
        board = await bot.say("parrainages", as_="camille")
        assert "1. Awa : 0 comptés, 1 en cours" in board[0].text
        clock.advance(days=1, minutes=1)
        thanks = await tick(bot)
        assert len(thanks) == 1 and thanks[0].user_id == "awa"
        assert "Nina, que vous avez invité·e, est parmi nous depuis 30 jours" in thanks[0].text
        assert await tick(bot) == []  # thanked once
        board = await bot.say("parrainages", as_="camille")
        assert "1. Awa : 1 comptés, 0 en cours" in board[0].text
        refused = await bot.say("parrainages", as_="nina")
        assert "reserved for the community's facilitators" in refused[0].text


async def test_a_code_typed_during_onboarding_attributes_once(bot: BotTester, engine: AsyncEngine) -> None:
    bot.locales["awa"] = "fr"
    code = await code_of(bot, "awa")
    r = await bot.join("nina", locale="fr")
    r = await bot.say(code.lower().replace("-", " "), as_="nina")
    assert "invité·e par Awa" in to(r, "nina")[0].text
    assert "(1/6)" in to(r, "nina")[0].text  # and the flow goes on
    r = await bot.say(code, as_="nina")
    assert "déjà rattaché" in to(r, "nina")[0].text
    own = await code_of(bot, "nina")
    r = await bot.join("omar", locale="fr")
    r = await bot.say("P-" + "Z" * 6, as_="omar")
    assert "n'est pas valide" in r[0].text
    r = await bot.say(own, as_="omar")
    assert "invité·e par Nina" in to(r, "omar")[0].text
    r = await bot.say(own, as_="nina")  # her own code
    assert "votre propre code" in r[0].text
    async with engine.connect() as conn:
        rows = (await conn.execute(select(Referral.sponsor_id, Referral.newcomer_id))).all()
    assert len(rows) == 2


async def test_a_member_who_finished_cannot_be_attributed_late(bot: BotTester) -> None:
    code = await code_of(bot, "awa")
    r = await bot.join("nina", locale="en")
    await finish(bot, "nina", r)
    r = await start(bot, "nina", code)
    assert "Invitation codes are for newcomers" in r[0].text


async def test_a_newcomer_who_left_does_not_count(bot: BotTester, clock: ManualClock) -> None:
    code = await code_of(bot, "awa")
    r = await start(bot, "nina", code, locale="en")
    await finish(bot, "nina", to(r, "nina"))
    await bot.send_event(MemberLeft(platform="test", event_id="left-nina", sender=Sender("nina", "Nina"),
                                    ref=ConversationRef("test", "T1", "C-general", "nina"), ts=clock.now()))
    clock.advance(days=31)
    assert await tick(bot) == []
