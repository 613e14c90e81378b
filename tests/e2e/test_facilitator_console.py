"""The facilitator's console end to end through the real pipeline, store and outbox (BotTester): refusals,
roles, a broadcast to a sector with acknowledgements, one reminder and the tally, bad input."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.store.facilitator_models import Broadcast
from bot.store.models import AuditLog, Member, Outbox
from bot.store.uow import UnitOfWork
from tests.unit.facilitator_support import console, member_id, put_in_sector, texts


async def _count(bot, model, *where) -> int:  # type: ignore[no-untyped-def]
    async with UnitOfWork(bot.app.services.sessions) as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def test_a_member_is_refused_clearly_and_nothing_happens(database_url: str, engine: AsyncEngine,
                                                               clock: ManualClock, tmp_path: Path) -> None:
    async with console(database_url, engine, clock, tmp_path) as bot:
        await bot.say("bonjour", as_="awa")
        await bot.say("hello", as_="ann")
        for command, args in (("agora broadcast", "tous Réunion"), ("agora stats", ""), ("stats", "7d"),
                              ("agora role", "grant awa admin"), ("agora export", ""), ("agora settings", "")):
            name, _, sub = command.partition(" ")
            replies = await bot.command(name, f"{sub} {args}".strip(), as_="awa")
            assert [r.text for r in replies] == ["Désolé, cette action est réservée aux animateurs de la communauté."]
        bot.locales["ann"] = "en"
        await bot.say("/language en", as_="ann")
        replies = await bot.command("agora", "stats", as_="ann")
        assert "reserved for the community's facilitators" in replies[-1].text
        assert await _count(bot, Broadcast) == 0
        assert await _count(bot, AuditLog) == 0
        # the buttons of the console are refused the same way
        await bot.command("agora", "broadcast tous Réunion demain", as_="fac")
        async with UnitOfWork(bot.app.services.sessions) as uow:
            draft = (await uow.session.execute(select(Broadcast))).scalar_one()
        replies = await bot.say("agora diffusion etat", as_="awa")
        assert "réservée aux animateurs" in replies[0].text
        assert draft.status == "draft"


async def test_roles_grant_revoke_and_audit(database_url: str, engine: AsyncEngine, clock: ManualClock,
                                            tmp_path: Path) -> None:
    async with console(database_url, engine, clock, tmp_path) as bot:
        await bot.say("bonjour", as_="fac")
        await bot.say("bonjour", as_="awa")
        await bot.say("bonjour", as_="bob")
        assert "réservée" in (await bot.command("agora", "stats", as_="awa"))[0].text
        replies = await bot.command("agora", "role grant Awa facilitator", as_="fac")
        assert "Awa est maintenant animateur" in replies[0].text
        # at once, in this process: Awa may now use the console, and grant facilitator but not admin
        assert "Chiffres" in (await bot.command("agora", "stats", as_="awa"))[0].text
        assert "maintenant animateur" in (await bot.command("agora", "role donner bob animateur", as_="awa"))[0].text
        refused = await bot.command("agora", "role grant bob admin", as_="awa")
        assert refused[0].text == "Désolé, cette action est réservée aux administrateurs de la communauté."
        assert "dernier administrateur" in (await bot.command("agora", "role revoke fac admin", as_="fac"))[0].text
        assert "Bob est maintenant membre" in (await bot.command("agora", "role retirer #"
                                                                  + str(await member_id(bot, "bob")) + " animateur",
                                                                  as_="fac"))[0].text
        unknown = await bot.command("agora", "role grant Zoé animateur", as_="fac")
        assert "Je ne trouve pas de membre" in unknown[0].text
        assert "Utilisez" in (await bot.command("agora", "role grant", as_="fac"))[0].text
        listing = (await bot.command("agora", "role", as_="fac"))[0].text
        assert "Awa: animateur" in listing and "Fac: administrateur" in listing and "Bob" not in listing
        async with UnitOfWork(bot.app.services.sessions) as uow:
            actions = [a.action for a in (await uow.session.execute(select(AuditLog).order_by(AuditLog.id))).scalars()]
            roles = dict((await uow.session.execute(select(Member.display_name, Member.role))).all())
        assert actions.count("facilitator.role.grant") == 2 and actions.count("facilitator.role.revoke") == 1
        assert roles == {"Fac": "admin", "Awa": "facilitator", "Bob": "member"}


async def test_broadcast_to_a_sector_acknowledged_reminded_once_with_the_tally(
        database_url: str, engine: AsyncEngine, clock: ManualClock, tmp_path: Path) -> None:
    async with console(database_url, engine, clock, tmp_path) as bot:
        for user in ("fac", "ana", "bea", "cid", "dan", "eve"):
            await bot.say("bonjour", as_=user)
        await put_in_sector(bot, "btp", "ana", "bea", "cid", "dan")
        await put_in_sector(bot, "agri", "eve")
        preview = await bot.command("agora", "broadcast filiere:btp Négociation demain 9h @everyone <!channel>",
                                    as_="fac")
        assert len(preview) == 1 and "Aperçu de la diffusion" in preview[0].text and "4 membres" in preview[0].text
        assert "@everyone" not in preview[0].text.replace("\u200b", "") or "@\u200beveryone" in preview[0].text
        assert await _count(bot, Outbox, Outbox.idempotency_key.like("broadcast:%")) == 0  # nothing before Send
        sent = await bot.click(preview[0].buttons[0], as_="fac")
        dms = [d for d in sent if d.user_id in ("ana", "bea", "cid", "dan")]
        assert sorted(d.user_id for d in dms) == ["ana", "bea", "cid", "dan"]  # eve (agri) and fac get nothing
        assert all("Négociation demain 9h" in d.text and "@\u200beveryone" in d.text for d in dms)
        assert all("<\u200b!channel>" in d.message.text for d in dms)
        assert "part vers 4 membres" in texts(sent)
        again = await bot.click(preview[0].buttons[0], as_="fac")  # a second click sends nothing more
        assert "déjà partie" in again[0].text and len(again) == 1
        by_user = {d.user_id: d for d in dms}
        for user in ("ana", "bea"):
            ack = await bot.click(by_user[user].buttons[0], as_=user)
            assert ack[0].text == "Merci, c'est noté."
        assert (await bot.click(by_user["ana"].buttons[0], as_="ana"))[0].text == "C'est déjà noté, merci."
        tally = (await bot.command("agora", "broadcast status", as_="fac"))[0].text
        assert "2 sur 4 ont confirmé, 2 pas encore ; relances : 0" in tally and "Remis 4" in tally
        reminded = await bot.command("agora", "diffusion relancer 1", as_="fac")
        assert sorted(d.user_id for d in reminded if d.user_id in ("ana", "bea", "cid", "dan")) == ["cid", "dan"]
        assert "Relance 1 sur 1" in texts(reminded) and "envoyée à 2 membres" in texts(reminded)
        assert all("Rappel" in d.text for d in reminded if d.user_id in ("cid", "dan"))
        refused = await bot.command("agora", "broadcast remind 1", as_="fac")
        assert "déjà eu ses relances (1 au plus)" in refused[0].text and len(refused) == 1
        clock.advance(hours=48)  # the automatic reminder respects the maximum too
        await bot.app.scheduler.tick("hourly")
        await bot.app.sender.drain()
        assert await _count(bot, Outbox, Outbox.idempotency_key.like("broadcast:1:%")) == 6
        reminder = next(d for d in reminded if d.user_id == "cid")
        assert (await bot.click(reminder.buttons[0], as_="cid"))[0].text == "Merci, c'est noté."
        tally = (await bot.command("agora", "broadcast status 1", as_="fac"))[0].text
        assert "3 sur 4 ont confirmé, 1 pas encore ; relances : 1" in tally
        async with UnitOfWork(bot.app.services.sessions) as uow:
            actions = [a.action for a in (await uow.session.execute(select(AuditLog).order_by(AuditLog.id))).scalars()]
        assert actions == ["facilitator.broadcast.draft", "facilitator.broadcast.send",
                           "facilitator.broadcast.status", "facilitator.broadcast.remind",
                           "facilitator.broadcast.status"]


async def test_automatic_reminder_and_cancel(database_url: str, engine: AsyncEngine, clock: ManualClock,
                                             tmp_path: Path) -> None:
    async with console(database_url, engine, clock, tmp_path) as bot:
        for user in ("fac", "ana", "bea"):
            await bot.say("hello", as_=user)
        preview = await bot.command("agora", "broadcast all AG extraordinaire", as_="fac")
        await bot.click(preview[0].buttons[0], as_="fac")
        clock.advance(hours=23)
        await bot.app.scheduler.tick("hourly")
        assert await _count(bot, Outbox, Outbox.idempotency_key.like("broadcast:1:%:r1:%")) == 0
        clock.advance(hours=2)
        await bot.app.scheduler.tick("hourly")
        await bot.app.scheduler.tick("hourly")  # twice: still one reminder round
        await bot.app.sender.drain()
        assert await _count(bot, Outbox, Outbox.idempotency_key.like("broadcast:1:%:r1:%")) == 2
        # a second broadcast, cancelled before the sender takes its messages: they never go
        preview = await bot.command("agora", "broadcast tous Annulé", as_="fac")
        await bot.app.sender.stop()
        await bot.click(preview[0].buttons[0], as_="fac")
        replies = await bot.command("agora", "broadcast cancel 2", as_="fac")
        bot.app.sender.start()
        await bot.app.sender.drain()
        assert await _count(bot, Outbox, Outbox.idempotency_key.like("broadcast:2:%"),
                            Outbox.status == "cancelled") == 2
        assert not [d for d in bot.adapter.sent if "Annulé" in d.text and d.user_id in ("ana", "bea")]
        assert any("2 messages pas encore partis" in d.text for d in bot.adapter.sent) and not replies


async def test_broadcast_bad_input_sends_nothing(database_url: str, engine: AsyncEngine, clock: ManualClock,
                                                 tmp_path: Path) -> None:
    async with console(database_url, engine, clock, tmp_path) as bot:
        await bot.say("bonjour", as_="fac")
        await bot.say("bonjour", as_="ana")
        cases = {
            "planete:mars Bonjour": "n'est pas un groupe de membres",
            "role:pape Bonjour": "n'est pas un rôle",
            "filiere:inconnue Bonjour": "Il n'y a pas de filière inconnue",
            "tous": "Le message est vide",
            "tous    ": "Le message est vide",
            "tous " + "x" * 50_000: "une diffusion en compte 1800 au plus. Rien n'a été envoyé",
            "region:Nowhere Bonjour": "Aucun membre",
            "remind": "Quelle diffusion",
            "cancel 99": "Il n'y a pas de diffusion numéro 99",
        }
        for args, expected in cases.items():
            replies = await bot.command("agora", "broadcast " + args, as_="fac")
            assert len(replies) == 1 and expected in replies[0].text, (args, replies[0].text)
        assert "Utilisez" in (await bot.command("agora", "broadcast", as_="fac"))[0].text
        assert await _count(bot, Broadcast) == 0
        assert await _count(bot, Outbox, Outbox.user_id == "ana", Outbox.idempotency_key.like("broadcast:%")) == 0
