"""What a nudge holds, the members' buttons, the facilitators' commands, the report and the contributions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.contributions import Contributions, NudgeItem
from bot.store.faq_models import FaqEntry
from bot.store.models import AuditLog, MemberSector, Outbox, Sector
from bot.testing import BotTester
from tests.unit.nudges_support import button, community_id, configure, member_id, nudges_in, run


async def _sector(bot: BotTester, *users: str) -> None:
    cid = await community_id(bot)
    async with bot.app.services.sessions() as session, session.begin():
        sid = (await session.execute(insert(Sector).returning(Sector.id), [{
            "community_id": cid, "slug": "btp", "name_fr": "Bâtiment", "name_en": "Building", "examples": []}]
        )).scalar_one()
        for user in users:
            await session.execute(insert(MemberSector), [{"member_id": await member_id(bot, user),
                                                          "sector_id": sid, "community_id": cid}])


async def help_requests(session: object, community_id: int, member_ids: Sequence[int], since: datetime,
                        now: datetime) -> dict[int, list[NudgeItem]]:
    """A source as peer help registers one: an item for every member asked."""
    return {mid: [NudgeItem("help_request", "nudges.item.flag", {"text": "open request"}, ref="help:1")]
            for mid in member_ids}


async def test_a_nudge_holds_sector_newcomers_faq_entries_flags_and_other_features_items(
        database_url: str, engine: AsyncEngine, clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine, AGORA_FACILITATORS="test:fatou") as bot:
        Contributions.of(bot.app.services).nudge_sources.append(help_requests)
        await configure(bot, holdout_share=0.0)
        await bot.join("alice", locale="en")
        await bot.join("fatou", locale="fr")
        clock.advance(days=20)
        await bot.say("bonjour", as_="fatou", channel="C-general")
        await bot.join("nina", locale="fr")  # a newcomer in alice's sector, this week
        await _sector(bot, "alice", "nina")
        async with bot.app.services.sessions() as session, session.begin():
            await session.execute(insert(FaqEntry), [{
                "community_id": await community_id(bot), "key": "dues", "question": "How do I pay my dues?",
                "answer": "Online.", "examples": [], "tags": [], "lang": "en", "created_at": clock.now(),
                "updated_at": clock.now()}])
        r = await bot.command("agora", "nudge flag AG jeudi 18 h @everyone", as_="fatou")
        assert "AG jeudi 18 h" in r[0].text and "@everyone" not in r[0].text.replace("@\u200beveryone", "")
        clock.advance(days=2)

        _, sent = await run(bot)
        assert [d.user_id for d in sent] == ["alice"]
        text = sent[0].text
        assert "Highlight: AG jeudi 18 h" in text and "@everyone" not in text  # neutralised
        assert "open request" in text
        assert "1 new member(s) in the Building sector" in text
        assert 'New answer in the FAQ: "How do I pay my dues?"' in text
        assert "22 days" in text

        shown = await bot.click(button(sent[0], "nudge.show"), as_="alice")
        assert "Building" in shown[0].text and "find peers with directory" in shown[0].text


async def test_no_content_still_says_why_and_has_the_buttons(bot: BotTester, clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0)
    await bot.join("alice", locale="fr")
    clock.advance(days=30)
    _, sent = await run(bot)
    assert "Rien de particulier" in sent[0].text and "actif depuis 30 jours" in sent[0].text
    assert len(sent[0].buttons) == 3


async def test_facilitators_preview_run_and_report(database_url: str, engine: AsyncEngine,
                                                   clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine, AGORA_FACILITATORS="test:fatou") as bot:
        await configure(bot, holdout_share=0.5)
        users = [f"user{i}" for i in range(12)]
        for user in users:
            await bot.join(user, locale="fr")
        await bot.join("fatou", locale="fr")
        clock.advance(days=22)
        await bot.say("bonjour", as_="fatou", channel="C-general")

        refused = await bot.command("agora", "nudge run", as_="user0")
        assert "réservée aux animateurs" in refused[0].text
        preview = await bot.command("agora", "nudge aperçu", as_="fatou")
        assert "Rien n'a été envoyé" in preview[0].text and "Exemple de message" in preview[0].text
        async with bot.app.services.sessions() as session:
            assert not (await session.execute(select(Outbox.id).where(
                Outbox.idempotency_key.like("nudge:%")))).first()

        ran = [d for d in await bot.command("agora", "nudge lancer", as_="fatou") if d.user_id == "fatou"]
        assert "Relance 2026-W05 faite" in ran[0].text
        await bot.app.sender.drain("test")
        nudged = {d.user_id for d in nudges_in(bot.adapter.sent)}
        assert 0 < len(nudged) < len(users)
        again = await bot.command("agora", "nudge run", as_="fatou")
        assert "déjà eu lieu" in again[0].text

        comeback = sorted(nudged)[0]  # one nudged member comes back; nobody from the holdout
        message = next(d for d in nudges_in(bot.adapter.sent) if d.user_id == comeback)
        clock.advance(days=1)
        await bot.click(button(message, "nudge.show"), as_="fatou")  # not hers: records nothing for fatou
        await bot.say("merci !", as_=comeback, channel="C-general")
        clock.advance(days=8)
        report = await bot.command("agora", "nudges report", as_="fatou")
        text = report[0].text
        assert f"Relancés : 1 revenus sur {len(nudged)}" in text
        held = len(users) - 1 - len(nudged)  # user0 was active (the refused command): not in the run
        assert f"Groupe témoin (jamais relancé) : 0 revenus sur {held}" in text

        unknown = await bot.command("agora", "nudge bogus", as_="fatou")
        assert "Je ne connais pas cette commande" in unknown[0].text
        empty = await bot.command("agora", "nudge flag", as_="fatou")
        assert "Indiquez le texte" in empty[0].text
        long = await bot.command("agora", "nudge flag " + "x" * 400, as_="fatou")
        assert "400 caractères" in long[0].text

        async with bot.app.services.sessions() as session:
            actions = (await session.execute(select(AuditLog.action).order_by(AuditLog.id))).scalars().all()
        assert {"nudge.preview", "nudge.run", "nudge.report"} <= set(actions)

        contributions = Contributions.of(bot.app.services)
        cid = await community_id(bot)
        async with bot.app.services.sessions() as session:
            figures = {f.key: f.value for source in contributions.figures
                       for f in await source(session, cid, clock.now() - timedelta(days=30), clock.now())}
            tables = [await source(session, cid) for source in contributions.tables]
        assert figures["nudges.sent"] == len(nudged)
        assert figures["nudges.reactivated_nudged"] == 1 / len(nudged)
        assert figures["nudges.reactivated_holdout"] == 0
        table = next(t for t in tables if t.name == "nudges")
        assert len(table.rows) == len(users) - 1 and "answered_at" in table.header
        answered = [row for row in table.rows if row[3]]
        assert [row[0] for row in answered] == [await member_id(bot, comeback)]


async def test_sector_newcomers_reach_every_member_asked_across_chunks(bot: BotTester, clock: ManualClock) -> None:
    """The memberships are read in chunks of member ids: every member asked gets the item of each of their
    sectors, whichever chunk they fall in; members not asked, and members of other sectors, get nothing."""
    from bot.nudges.content import new_members_of_sectors

    for user in ("ana", "bea", "cid", "dan", "eve"):
        await bot.join(user, locale="fr")
    clock.advance(days=10)
    await bot.join("nina", locale="fr")  # this week's newcomer
    await _sector(bot, "ana", "bea", "cid", "dan", "nina")
    clock.advance(days=1)
    cid = await community_id(bot)
    asked = [await member_id(bot, user) for user in ("ana", "bea", "dan", "eve")]
    async with bot.app.services.sessions() as session:
        items = await new_members_of_sectors(session, cid, asked, clock.now() - timedelta(days=7), clock.now(),
                                             chunk=2)
    assert set(items) == set(asked[:3])  # eve has no sector; cid was not asked
    for found in items.values():
        assert [(i.kind, i.params["count"]) for i in found] == [("new_member", 1)]
