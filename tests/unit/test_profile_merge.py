"""Linking two accounts merges their profiles: tags, onboarding record, referral code and referrals follow the
member that stays; nothing is lost to the cascade that removes the other."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.events import CommandInvoked, ConversationRef, Sender
from bot.store.models import Member
from bot.store.profile_models import MemberExpertise, Onboarding, Referral, ReferralCode
from bot.testing import BotTester
from tests.unit.onboarding_support import button


def _cmd(bot: BotTester, name: str, args: str, event_id: str) -> CommandInvoked:
    return CommandInvoked(platform="test", event_id=event_id, sender=Sender("awa-tg", "Awa"),
                          ref=ConversationRef("test", "T2", "D-awa-tg", "awa-tg", is_dm=True),
                          ts=bot.clock.now(), name=name, args=args)


async def test_linking_accounts_keeps_both_profiles(bot: BotTester, engine: AsyncEngine) -> None:
    r = await bot.join("awa", locale="fr")
    r = await bot.say("plomberie", as_="awa")
    for label in ("Terminé", "Passer", "Passer", "Passer", "Passer", "Oui, listez-moi", "Terminer"):
        r = await bot.click(button(r, label), as_="awa")
    await bot.say("parrainer", as_="awa")
    link = await bot.command("link", as_="awa")
    code = re.search(r"\*([A-Z0-9]{8})\*", link[0].message.text)
    assert code is not None

    # The same person on another platform: a newcomer there, invited by someone, with a skill of their own.
    sponsor_code = re.search(r"P-[A-Z2-9]{6}", (await bot.say("parrainer", as_="sponsor"))[0].text)
    assert sponsor_code is not None
    await bot.send_event(_cmd(bot, "start", sponsor_code.group(0), "m1"))
    async with engine.begin() as conn:
        other, community = (await conn.execute(select(Member.id, Member.community_id)
                                               .where(Member.display_name == "Awa")
                                               .order_by(Member.id.desc()))).first()
        await conn.execute(MemberExpertise.__table__.insert().values(member_id=other, tag="export",
                                                                     community_id=community))
    await bot.send_event(_cmd(bot, "link", code.group(1), "m3"))

    async with engine.connect() as conn:
        members = (await conn.execute(select(func.count()).select_from(Member)
                                      .where(Member.display_name == "Awa"))).scalar_one()
        tags = set((await conn.execute(select(MemberExpertise.tag))).scalars())
        onboardings = (await conn.execute(select(Onboarding.member_id, Onboarding.finished_at))).all()
        codes = (await conn.execute(select(func.count()).select_from(ReferralCode))).scalar_one()
        referral = (await conn.execute(select(Referral.newcomer_id))).scalar_one()
    assert members == 1 and tags == {"plomberie", "export"}
    kept = [row for row in onboardings if row.member_id == referral]
    assert kept and kept[0].finished_at is not None  # the finished record of the member that stays
    assert codes == 2  # Awa's and the sponsor's; the merged account had none
