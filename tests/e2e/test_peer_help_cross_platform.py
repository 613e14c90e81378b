"""A Telegram member's question, taken by a Slack expert and resolved, through the real adapters and their
wire-level fakes in one process (tests/contract/all_platforms.py): the offer reaches Slack, the claim on
Slack reaches the Telegram asker, messages are relayed both ways with mass mentions neutralised, and the
asker closes the request from Telegram."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sector_import import import_sectors
from bot.store.db import session_factory
from bot.store.models import Member, MemberSector, PlatformAccount, Sector
from bot.store.peer_help_models import HelpRequest
from tests.contract.all_platforms import all_platforms
from tests.contract.harness import wait_for
from tests.unit.test_peer_help_support import SECTORS


def awake_zone() -> str:
    """A time zone where it is midday now, so the expert is inside waking hours whenever the test runs."""
    offset = 12 - datetime.now(UTC).hour
    offset = offset - 24 if offset > 14 else offset + 24 if offset < -12 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


async def test_telegram_question_claimed_by_slack_expert_and_resolved(database_url: str,
                                                                      engine: AsyncEngine) -> None:
    async with all_platforms(database_url, engine) as world:
        slack, telegram = world.slack, world.telegram
        sessions = session_factory(engine)
        await import_sectors(sessions, "test", SECTORS, datetime.now(UTC))
        await slack.join("U200")
        await wait_for(slack, lambda s: s.kind == "dm" and s.user == "U200")
        await telegram.command("U300", "aide", channel=None)
        await wait_for(telegram, lambda s: s.kind == "dm" and s.user == "U300")
        async with sessions() as session, session.begin():
            accounts = dict((await session.execute(
                select(PlatformAccount.platform, PlatformAccount.member_id))).all())
            sector_id = (await session.execute(select(Sector.id).where(Sector.slug == "batiment"))).scalar_one()
            await session.execute(update(Member).where(Member.id == accounts["slack"]).values(
                is_expert=True, locale="fr", timezone=awake_zone()))
            await session.execute(update(Member).where(Member.id == accounts["telegram"]).values(locale="fr"))
            community_id = (await session.execute(select(Member.community_id))).scalars().first()
            session.add(MemberSector(member_id=accounts["slack"], sector_id=sector_id, community_id=community_id))
        world.app.services.identities.forget_all()

        await telegram.command("U300", "peer", "Comment isoler une maison ancienne en pierre ?", channel=None)
        proposal = await wait_for(telegram, lambda s: s.user == "U300" and "Bâtiment" in s.text and s.action_ids)
        confirm = next(a for a in proposal.action_ids if a.startswith("help.sector"))
        await telegram.click("U300", confirm, channel=None)

        offer = await wait_for(slack, lambda s: s.kind == "dm" and s.user == "U200" and "isoler" in s.text)
        take = next(a for a in offer.action_ids if a.startswith("help.take"))
        await slack.click("U200", take, channel=slack.fake.dm_channel("U200"))
        claimed = await wait_for(telegram, lambda s: s.user == "U300" and "prend votre demande" in s.text)
        await wait_for(slack, lambda s: s.user == "U200" and "est à vous" in s.text and "telegram" in s.text)

        await slack.message("U200", "Bonjour @channel : laine de bois et pare-vapeur")
        relayed = await wait_for(telegram, lambda s: s.user == "U300" and "laine de bois" in s.text)
        assert "@channel" not in relayed.text
        await telegram.message("U300", "Merci, et pour le sol ?")
        await wait_for(slack, lambda s: s.kind == "dm" and s.user == "U200" and "pour le sol" in s.text)

        resolve = next(a for a in claimed.action_ids if a.startswith("help.done"))
        await telegram.click("U300", resolve, channel=None)
        await wait_for(telegram, lambda s: s.user == "U300" and "résolue" in s.text)
        await wait_for(slack, lambda s: s.user == "U200" and "résolue" in s.text)
        async with sessions() as session:
            [row] = (await session.execute(select(HelpRequest))).scalars().all()
        assert row.status == "resolved" and row.expert_id == accounts["slack"] and row.asker_id == accounts["telegram"]
