"""Peer help through the whole app, as members see it: a question, the sector proposed and confirmed, the
experts asked, the first claim winning, messages relayed both ways (mentions neutralised), resolution with
thanks and kudos, and an FAQ entry proposed by the expert and approved by a facilitator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.store.faq_models import FaqEntry
from bot.store.models import AuditLog
from bot.testing import BotTester
from tests.unit.test_peer_help_support import attempts, find, requests, setup_community, texts, to

EXPERTS = {"bob": ("batiment", "fr"), "carol": ("batiment", "fr"), "dave": ("batiment", "fr"),
           "erin": ("batiment", "fr"), "nora": ("numerique", "fr"), "ed": ("batiment", "en")}


@pytest.fixture
async def bot(database_url: str, engine: AsyncEngine, clock: ManualClock) -> AsyncIterator[BotTester]:
    async with BotTester.create(database_url, clock=clock, engine=engine, AGORA_FACILITATORS="test:fac",
                                AGORA_FALLBACK_CHANNELS="test:T1=C-facilitators") as tester:
        await setup_community(tester, EXPERTS, members=("alice", "fac", "zed"))
        yield tester


async def test_question_claimed_relayed_resolved_and_thanked(bot: BotTester) -> None:
    out = await bot.command("peer", "Comment isoler les combles de mon atelier ?", as_="alice")
    assert "Bâtiment et travaux" in out[-1].text
    out = await bot.click(find(out, "Oui, Bâtiment et travaux"), as_="alice")
    [req] = await requests(bot)
    assert req.status == "open" and req.round == 1
    asked = await attempts(bot, req.id)
    assert len(asked) == 3 and set(asked) <= {"bob", "carol", "dave", "erin"}  # French speakers of the sector
    assert "nora" not in asked and "ed" not in asked and "alice" not in asked
    offered = [u for u in asked]
    for user in offered:
        assert "isoler les combles" in texts(out, user)
    assert "3 expert" in texts(out, "alice")

    winner, loser = offered[0], offered[1]
    claimed = await bot.click(find(out, "Je m'en occupe", winner), as_=winner)
    assert "est à vous" in texts(claimed, winner)
    assert "prend votre demande" in texts(claimed, "alice")
    assert "prise par un autre expert" in texts(claimed, loser)
    late = await bot.click(find(out, "Je m'en occupe", loser), as_=loser)
    assert "plus rapide" in late[-1].text
    [req] = await requests(bot)
    assert req.status == "claimed" and req.claimed_at is not None and (await attempts(bot, req.id))[winner] == "claimed"

    out = await bot.say("Bonjour @everyone, il faut de la laine de bois", as_=winner)
    relayed = texts(out, "alice")
    assert "laine de bois" in relayed and "@everyone" not in relayed and "@\u200beveryone" in relayed
    out = await bot.say("Merci ! Et pour le pare-vapeur ?", as_="alice")
    assert "pare-vapeur" in texts(out, winner) and not to(out, loser)

    out = await bot.click(find(claimed, "C'est résolu", "alice"), as_="alice")
    assert "résolue" in texts(out, "alice")
    assert "Proposer pour la FAQ" in [b.label for r in to(out, winner) for b in r.buttons]
    thanks = find(out, "Remercier l'expert", "alice")
    out = await bot.click(thanks, as_="alice")
    assert "vous remercie" in texts(out, winner)
    again = await bot.click(thanks, as_="alice")
    assert "déjà remercié" in again[-1].text and not to(again, winner)
    [req] = await requests(bot)
    assert req.status == "resolved" and req.kudos_at is not None

    # After resolution the relay is over: Alice's next DM goes to the FAQ, not to the expert.
    out = await bot.say("Une autre question sans rapport ?", as_="alice")
    assert not to(out, winner)


async def test_expert_proposes_an_faq_entry_a_facilitator_approves_it(bot: BotTester, engine: AsyncEngine) -> None:
    out = await bot.command("peer", "Comment isoler les combles de mon atelier ?", as_="alice")
    out = await bot.click(find(out, "Oui, Bâtiment et travaux"), as_="alice")
    [req] = await requests(bot)
    expert = next(iter(await attempts(bot, req.id)))
    claimed = await bot.click(find(out, "Je m'en occupe", expert), as_=expert)
    out = await bot.click(find(claimed, "C'est résolu", "alice"), as_="alice")
    out = await bot.click(find(out, "Proposer pour la FAQ", expert), as_=expert)
    assert "en un message" in texts(out, expert)
    out = await bot.say("Avec 30 cm de laine de bois et un pare-vapeur côté chaud.", as_=expert)
    assert "transmise aux animateurs" in texts(out, expert)
    review = [r for r in out if r.message.channel_id == "C-facilitators"]
    assert review and "laine de bois" in review[-1].text and not to(out, "alice")
    denied = await bot.click(find(review, "Approuver"), as_="alice", channel="C-facilitators")
    assert not any("Ajouté à la FAQ" in r.text for r in denied)  # members cannot approve
    out = await bot.click(find(review, "Approuver"), as_="fac", channel="C-facilitators")
    assert "Ajouté à la FAQ" in out[-1].text or any("Ajouté à la FAQ" in r.text for r in out)
    assert "fait désormais partie de la FAQ" in texts(out, expert)
    again = await bot.click(find(review, "Refuser"), as_="fac", channel="C-facilitators")
    assert "déjà été traitée" in again[-1].text
    async with engine.connect() as conn:
        entry = (await conn.execute(select(FaqEntry).where(FaqEntry.key == f"help-{req.id}"))).one()
        audit = (await conn.execute(select(AuditLog.action).where(AuditLog.action.like("help.%")))).scalars().all()
    assert "laine de bois" in entry.answer and entry.sector == "batiment"
    assert audit == ["help.faq_approved"]
    # The FAQ now answers the same question by itself.
    out = await bot.command("ask", "Comment isoler les combles de mon atelier ?", as_="zed")
    assert "laine de bois" in out[-1].text


async def test_faq_no_answer_hands_over_to_peer_help(bot: BotTester) -> None:
    out = await bot.say("Quel plombier appeler pour une fuite sous l'évier ?", as_="alice")
    assert "pas de réponse sûre" in out[0].text  # a DM question the FAQ cannot answer opens a request at once
    assert "Bâtiment et travaux" in out[-1].text
    out = await bot.click(find(out, "Oui, Bâtiment et travaux"), as_="alice")
    [req] = await requests(bot)
    assert req.status == "open" and "plombier" in req.question


async def test_expert_commands_and_the_facilitators_report(bot: BotTester, clock: ManualClock) -> None:
    out = await bot.command("expert", as_="alice")
    assert "n'êtes pas expert" in out[-1].text
    out = await bot.command("expert", "on", as_="alice")
    assert "Vous êtes expert" in out[-1].text
    out = await bot.command("expert", "away until 2026-01-20", as_="bob")
    assert "2026-01-20" in out[-1].text
    out = await bot.command("expert", as_="bob")
    assert "absent" in out[-1].text
    out = await bot.command("agora", "experts", as_="alice")
    assert "Experts" not in out[-1].text  # facilitators only
    out = await bot.command("agora", "experts batiment", as_="fac")
    report = out[-1].text
    assert "Bob" in report and "absent jusqu'au 2026-01-20" in report and "Carol" in report
    assert "Nora" not in report
    await bot.command("expert", "off", as_="nora")
    out = await bot.command("agora", "experts", as_="fac")
    assert "Numérique" in out[-1].text and "Gestion et droit" in out[-1].text  # nobody free there
    assert "Bâtiment" not in out[-1].text.split("\n")[-1]
    clock.advance(hours=12)  # 22:00 in Paris: everyone asleep
    out = await bot.command("agora", "experts batiment", as_="fac")
    assert "hors des heures de veille" in out[-1].text
    out = await bot.command("agora", "experts cuisine", as_="fac")
    assert "ne connais pas la filière" in out[-1].text
