"""Onboarding through Telegram: the real adapter (python-telegram-bot, unmodified) against the fake Bot API,
buttons pressed as Telegram sends them (callback queries), answers typed as private messages; in French and in
English, ending in a directory entry that another member finds, on Telegram too."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.sector_import import import_sectors
from bot.store.db import session_factory
from bot.store.models import Member as Member_
from bot.store.models import Outbox
from tests.contract.harness import settle
from tests.contract.telegram_harness import TelegramHarness, harness
from tests.unit.onboarding_support import SECTORS


async def quiet(h: TelegramHarness) -> None:
    """Every reply the bot queued so far has reached the fake. Telegram is paced at one message per second per
    chat (bot.outbox.pacing), so this waits on the outbox itself rather than on a fixed pause."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while loop.time() < deadline:
        await settle(h, quiet=0.15)
        async with h.app.engine.connect() as conn:
            waiting = await conn.scalar(select(func.count()).select_from(Outbox)
                                        .where(Outbox.status.in_(("pending", "sending"))))
        if not waiting:
            return
    raise AssertionError("the outbox did not drain")


class Member:
    """One Telegram user talking to the bot in private, in their app's language."""

    def __init__(self, h: TelegramHarness, name: str, language: str) -> None:
        self.h, self.name, self.language = h, name, language
        self.chat = h.names.user(name)

    def messages(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(text, [(label, callback data)]) of every private message the bot sent this member, in order."""
        out = []
        for params in self.h.fake.messages:
            if int(params["chat_id"]) == self.chat:
                markup = params.get("reply_markup") or {}
                buttons = [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", [])
                           for b in row]
                out.append((self.h.plain(str(params.get("text", ""))), buttons))
        return out

    def transcript(self) -> str:
        return "\n".join(f"{text} {[label for label, _ in buttons]}" for text, buttons in self.messages())

    async def join(self) -> None:
        await self.h.push(self.h.updates.join(self.name, language=self.language))
        await quiet(self.h)

    async def type(self, text: str) -> None:
        await self.h.push(self.h.updates.message(self.name, text, None, language=self.language))
        await quiet(self.h)

    async def command(self, name: str, args: str = "") -> None:
        update = self.h.updates.command(self.name, name, args, channel=None)
        update["message"]["from"]["language_code"] = self.language
        await self.h.push(update)
        await quiet(self.h)

    async def press(self, label: str) -> None:
        """Press the button `label` (a leading ✓ does not matter) of the latest message that has it."""
        for _, buttons in reversed(self.messages()):
            for shown, data in buttons:
                if shown.removeprefix("✓ ") == label:
                    update = self.h.updates.click(self.name, data, channel=None)
                    update["callback_query"]["from"]["language_code"] = self.language
                    await self.h.push(update)
                    await quiet(self.h)
                    return
        raise AssertionError(f"no button {label!r} for {self.name}:\n{self.transcript()}")


def in_order(text: str, *parts: str) -> bool:
    at = 0
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


INTRO_CHAT = -1009999  # the community's introductions group


async def test_telegram_onboarding_in_french_ends_in_the_directory(database_url: str, engine: AsyncEngine,
                                                                   clock: ManualClock) -> None:
    await import_sectors(session_factory(engine), "test", SECTORS, clock.now(), community_name="Test")
    async with harness(database_url, engine, AGORA_INTRO_CHANNELS=f"telegram={INTRO_CHAT}") as h:
        zoe = Member(h, "U500", "fr")
        await zoe.join()
        await zoe.press("Bâtiment et travaux")
        await zoe.press("Terminé")
        await zoe.press("plomberie")
        await zoe.type("chauffage")
        await zoe.press("Terminé")
        await zoe.type("x" * 500)  # far too long: explained, asked again, nothing lost
        await zoe.type("Bretagne")
        await zoe.press("Europe/Paris")
        for label in ("Oui, je peux aider", "Chaque semaine", "Oui, listez-moi", "Terminer", "Publier"):
            await zoe.press(label)
        assert in_order(zoe.transcript(), "Bienvenue dans Test, U500", "(1/7) Quelles sont vos filières",
                        "Choisi pour l'instant : Bâtiment et travaux", "(2/7)", "Choisi pour l'instant : plomberie",
                        "Choisi pour l'instant : chauffage, plomberie", "(3/7)", "500 caractères", "(3/7)",
                        "(4/7)", "(5/7)", "(6/7)", "(7/7)", "Presque fini", "- Région : Bretagne",
                        "- Expert : oui", "Votre profil est prêt", "#batiment", "Voulez-vous vous présenter",
                        "présentation est dans"), zoe.transcript()
        intro = [p for p in h.fake.messages if int(p["chat_id"]) == INTRO_CHAT]
        assert len(intro) == 1 and "Nouveau membre" in h.plain(intro[0]["text"]) and "U500" in h.plain(
            intro[0]["text"])

        bob = Member(h, "U501", "fr")
        await bob.command("annuaire", "plomberie")
        assert in_order(bob.transcript(), "1 membre(s) pour « plomberie »",
                        "U500 (expert) · Bâtiment et travaux · Bretagne"), bob.transcript()

    async with engine.connect() as conn:
        row = (await conn.execute(select(Member_.region, Member_.timezone, Member_.is_expert, Member_.locale,
                                         Member_.directory_consent_at.is_not(None))
                                  .where(Member_.display_name == "U500"))).one()
    assert tuple(row) == ("Bretagne", "Europe/Paris", True, "fr", True)


async def test_telegram_onboarding_in_english_with_typed_answers(database_url: str, engine: AsyncEngine,
                                                                 clock: ManualClock) -> None:
    await import_sectors(session_factory(engine), "test", SECTORS, clock.now(), community_name="Test")
    async with harness(database_url, engine) as h:
        sam = Member(h, "U600", "en")
        await sam.join()
        await sam.type("digital")  # a typed sector answers the step
        await sam.type("web design, UX")
        await sam.press("Done")
        await sam.type("🙂")  # emoji only: explained, asked again
        await sam.type("London")
        await sam.type("Europe/London")
        await sam.press("Not now")
        await sam.press("Never")
        await sam.press("Yes, list me")
        await sam.press("Finish")
        assert in_order(sam.transcript(), "Welcome to Test, U600", "(1/7) Which sectors are yours?",
                        "(2/7) What are you good at?", "Chosen so far: ux, web design", "(3/7) Where are you",
                        "I need words here", "(3/7)", "(4/7) Which time zone", "(5/7)", "(6/7)", "(7/7)",
                        "Nearly done!", "- Skills: ux, web design", "- Region: London",
                        "Your profile is ready, U600!"), sam.transcript()
        assert "Bienvenue" not in sam.transcript()

        # Another member, in English too, finds Sam by skill; a French member finds Sam by region.
        ada = Member(h, "U601", "en")
        await ada.command("directory", "ux")
        assert in_order(ada.transcript(), "1 member(s) for “ux”", "U600 · Digital · London"), ada.transcript()
        awa = Member(h, "U602", "fr")
        await awa.command("annuaire", "london")
        assert "U600 · Numérique · London" in awa.transcript(), awa.transcript()
