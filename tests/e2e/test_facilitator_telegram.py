"""The console on a real platform adapter: Telegram (python-telegram-bot, unmodified) against the fake Bot API.
A member is refused; a broadcast to a sector is previewed, sent, acknowledged by some, reminded once to the
rest, with the right tally; `/agora stats` answers with its figures."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.models import Member, PlatformAccount
from bot.store.uow import UnitOfWork
from tests.contract.harness import settle, wait_for
from tests.contract.telegram_harness import harness

FAC_ID = 7001  # the harness gives ids in order of first use: "fac" is used first


async def _sector(h, slug: str, *users: str) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(h.app.services.sessions) as uow:
        cid = (await uow.session.execute(select(Member.community_id).limit(1))).scalar_one()
        sectors = uow.sectors(cid)
        sector = await sectors.add(slug, slug, slug)
        for user in users:
            mid = (await uow.session.execute(select(PlatformAccount.member_id).where(
                PlatformAccount.external_user_id == str(h.names.user(user))))).scalar_one()
            await sectors.add_member(sector.id, mid)


async def test_console_on_telegram(database_url: str, engine: AsyncEngine, tmp_path: Path) -> None:
    async with harness(database_url, engine, mode="polling", AGORA_FACILITATORS=f"telegram:{FAC_ID}",
                       AGORA_DATA_DIR=str(tmp_path)) as h:
        assert h.names.user("fac") == FAC_ID
        for user in ("fac", "ana", "bea", "cid", "eve"):
            await h.message(user, "bonjour")  # a private chat with the bot: where broadcasts go
        for user in ("fac", "ana", "bea", "cid", "eve"):  # each answered (the first answer builds the FAQ engine)
            await wait_for(h, lambda s, u=user: s.user == u)
        await settle(h)
        await _sector(h, "btp", "ana", "bea", "cid")

        mark = len(h.sent)
        await h.command("eve", "agora", "diffusion tous Bonjour")
        refusal = await wait_for(h, lambda s: "réservée aux animateurs" in s.text)
        assert refusal.user == "eve"
        await settle(h)
        assert len(h.sent) == mark + 1

        await h.message("fac", "/agora diffusion filiere:btp Négociation ce soir 18h @everyone")
        preview = await wait_for(h, lambda s: "Aperçu de la diffusion 1" in s.text)
        assert "3 membres (telegram: 3)" in preview.text and len(preview.action_ids) == 2
        await h.click("fac", preview.action_ids[0], channel=None)  # type: ignore[arg-type]
        await wait_for(h, lambda s: "part vers 3 membres" in s.text)
        for user in ("ana", "bea", "cid"):
            await wait_for(h, lambda s, u=user: s.user == u and "Négociation ce soir 18h" in s.text)
        dms = {s.user: s for s in h.sent if s.kind == "dm" and "Négociation" in s.text and s.user != "fac"}
        assert set(dms) == {"ana", "bea", "cid"} and "@\u200beveryone" in dms["ana"].text
        await h.click("ana", dms["ana"].action_ids[0], channel=None)  # type: ignore[arg-type]
        await wait_for(h, lambda s: s.user == "ana" and "Merci, c'est noté." in s.text)

        await h.message("fac", "/agora diffusion relancer 1")
        await wait_for(h, lambda s: "Relance 1 sur 1" in s.text and "envoyée à 2 membres" in s.text)
        await wait_for(h, lambda s: s.user == "cid" and "Rappel" in s.text)
        await settle(h)
        reminded = sorted(s.user or "" for s in h.sent if "Rappel" in s.text)
        assert reminded == ["bea", "cid"]
        await h.message("fac", "/agora diffusion relancer 1")
        await wait_for(h, lambda s: "déjà eu ses relances" in s.text)
        await h.message("fac", "/agora diffusion etat 1")
        await wait_for(h, lambda s: "1 sur 3 ont confirmé, 2 pas encore ; relances : 1" in s.text)

        await h.message("fac", "/agora stats 7j")
        stats = await wait_for(h, lambda s: "Chiffres du" in s.text)
        assert "Nouveaux membres: 5 (avant : 0, +5)" in stats.text
        await h.message("fac", "/agora stats last blue moon")
        await wait_for(h, lambda s: "Je ne comprends pas la période" in s.text)
