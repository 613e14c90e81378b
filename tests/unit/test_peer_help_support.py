"""Shared pieces of the peer-help tests: a community with sectors (with example questions) and experts, and
reading help requests the way an operator would. No tests here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from bot.sector_import import import_sectors
from bot.store.models import Member, MemberSector, PlatformAccount, Sector
from bot.store.peer_help_models import HelpAttempt, HelpRequest
from bot.store.taxonomy import SectorSpec
from bot.testing import BotTester, Delivered

SECTORS = [
    SectorSpec("batiment", "Bâtiment et travaux", "Building and construction",
               description="Chantiers, rénovation, plomberie, isolation, électricité, maçonnerie.",
               examples=("Comment isoler une maison ancienne ?", "Quel plombier pour une fuite d'eau ?",
                         "Faut-il un permis de construire pour une extension ?",
                         "How do I insulate an old house?"),
               tags=("plomberie", "isolation")),
    SectorSpec("numerique", "Numérique", "Digital",
               description="Sites web, logiciels, réseaux sociaux, cybersécurité.",
               examples=("Comment créer un site web pour ma boutique ?", "Quel logiciel de facturation en ligne ?",
                         "How do I protect my company from phishing emails?"),
               tags=("site web",)),
    SectorSpec("gestion", "Gestion et droit", "Management and law",
               description="Comptabilité, fiscalité, droit du travail, contrats, embauche.",
               examples=("Comment embaucher un apprenti ?", "Quelle TVA pour une facture à l'export ?",
                         "How do I write an employment contract?")),
]


async def setup_community(bot: BotTester, experts: dict[str, tuple[str, str]] | None = None,
                          members: tuple[str, ...] = ("alice",)) -> None:
    """Sectors, then members (French speakers) and experts: name -> (sector slug, locale)."""
    await import_sectors(bot.app.services.sessions, "test", SECTORS, bot.clock.now())
    for name in members:
        await bot.join(name)
        await set_member(bot, name, locale="fr")
    for name, (sector, locale) in (experts or {}).items():
        await bot.join(name)
        await make_expert(bot, name, sector, locale)


async def member_id(bot: BotTester, name: str) -> int:
    async with bot.app.services.sessions() as session:
        return int((await session.execute(select(Member.id).where(
            Member.display_name == name.capitalize()))).scalar_one())


async def set_member(bot: BotTester, name: str, **values: Any) -> None:
    mid = await member_id(bot, name)
    async with bot.app.services.sessions() as session, session.begin():
        await session.execute(update(Member).where(Member.id == mid).values(**values))
    bot.app.services.identities.forget_all()


async def make_expert(bot: BotTester, name: str, sector: str, locale: str = "fr") -> None:
    mid = await member_id(bot, name)
    async with bot.app.services.sessions() as session, session.begin():
        await session.execute(update(Member).where(Member.id == mid).values(is_expert=True, locale=locale))
        sector_id = (await session.execute(select(Sector.id).where(Sector.slug == sector))).scalar_one()
        session.add(MemberSector(member_id=mid, sector_id=sector_id, community_id=1))
    bot.app.services.identities.forget_all()


async def close_dms(bot: BotTester, name: str) -> None:
    mid = await member_id(bot, name)
    async with bot.app.services.sessions() as session, session.begin():
        await session.execute(update(PlatformAccount).where(PlatformAccount.member_id == mid)
                              .values(unreachable_at=bot.clock.now()))


async def requests(bot: BotTester) -> list[HelpRequest]:
    async with bot.app.services.sessions() as session:
        return list((await session.execute(select(HelpRequest).order_by(HelpRequest.id))).scalars())


async def attempts(bot: BotTester, request_id: int) -> dict[str, str | None]:
    async with bot.app.services.sessions() as session:
        rows = (await session.execute(select(Member.display_name, HelpAttempt.outcome)
                                      .join(Member, Member.id == HelpAttempt.expert_id)
                                      .where(HelpAttempt.request_id == request_id))).all()
    return {name.lower(): outcome for name, outcome in rows}


def to(replies: list[Delivered], user: str) -> list[Delivered]:
    return [r for r in replies if r.user_id == user]


def find(replies: list[Delivered], label: str, user: str | None = None) -> Any:
    """The last button called `label` (in the replies to `user` when given)."""
    for reply in reversed(replies):
        if user is not None and reply.user_id != user:
            continue
        for b in reply.buttons:
            if b.label == label:
                return b
    raise AssertionError(f"no button {label!r} in {[(r.user_id, [b.label for b in r.buttons]) for r in replies]}")


def texts(replies: list[Delivered], user: str) -> str:
    return "\n".join(r.text for r in replies if r.user_id == user)


async def tick(bot: BotTester) -> list[Delivered]:
    """Fire the help timers now and deliver what they sent (ticks are not delivered inline by themselves)."""
    before = len(bot.adapter.sent)
    await bot.app.scheduler.tick("help")
    await bot.app.sender.drain("test")
    return bot.adapter.sent[before:]
