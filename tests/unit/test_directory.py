"""The directory: consenting members only, of the reader's community only, found by sector, skill, region or
name (accents and case do not matter), a page at a time with buttons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.replies import OutboundButton
from bot.store.directory import Directory
from bot.store.profiles import Profiles
from bot.store.uow import UnitOfWork
from bot.testing import BotTester
from tests.unit.onboarding_support import add_sectors, button, labels


async def person(bot: BotTester, name: str, *, community: str = "test", listed: bool = True,
                 sector: str | None = None, region: str | None = None, tags: tuple[str, ...] = (),
                 left: datetime | None = None) -> None:
    """A member with a profile, written through the repositories as onboarding would leave it."""
    now = bot.clock.now()
    async with UnitOfWork(bot.app.services.sessions) as uow:
        found = await uow.directory.by_slug(community)
        assert found is not None
        members = uow.members(found.id)
        member = await members.create(display_name=name, now=now, locale="fr")
        await members.set_fields(member.id, region=region, directory_consent_at=now if listed else None,
                                 left_at=left)
        if sector is not None:
            chosen = await uow.sectors(found.id).by_slug(sector)
            assert chosen is not None
            await uow.sectors(found.id).add_member(chosen.id, member.id)
        await Profiles(uow.session, found.id).add_tags(member.id, tags)


async def test_search_by_sector_skill_region_or_name_among_consenting_members(bot: BotTester) -> None:
    await add_sectors(bot)
    await person(bot, "Awa", sector="batiment", region="Auvergne-Rhône-Alpes", tags=("plomberie", "devis"))
    await person(bot, "Julien", sector="numerique", region="Bretagne", tags=("site web",))
    await person(bot, "Hidden", sector="batiment", region="Bretagne", tags=("plomberie",), listed=False)
    await person(bot, "Gone", sector="batiment", tags=("plomberie",), left=bot.clock.now())

    for query, expected in [("PLOMBERIE", {"Awa"}), ("batiment", {"Awa"}), ("Building", {"Awa"}),
                            ("rhone alpes", {"Awa"}), ("bretagne", {"Julien"}), ("julien", {"Julien"}),
                            ("site web bretagne", {"Julien"}), ("plomberie bretagne", set())]:
        r = await bot.say(f"annuaire {query}", as_="bob")
        shown = {name for name in ("Awa", "Julien", "Hidden", "Gone") if f"*{name}*" in r[0].message.text}
        assert shown == expected, (query, r[0].text)
    r = await bot.say("annuaire boulangerie", as_="bob")
    assert "Personne dans l'annuaire" in r[0].text


async def test_pages_and_sector_buttons(bot: BotTester) -> None:
    await add_sectors(bot)
    for index in range(7):
        await person(bot, f"Member{index}", sector="numerique")
    await person(bot, "Builder", sector="batiment")
    r = await bot.say("annuaire", as_="bob")
    assert labels(r[0]) == ["Bâtiment et travaux", "Numérique", "Gestion et droit"]
    page_one = await bot.click(button(r, "Numérique"), as_="bob")
    assert "7 membre(s)" in page_one[0].text and "Page 1 sur 2" in page_one[0].text
    assert labels(page_one[0]) == ["Suivants"]
    assert "Member4" in page_one[0].text and "Member5" not in page_one[0].text
    page_two = await bot.click(button(page_one, "Suivants"), as_="bob")
    assert "Member5" in page_two[0].text and "Member6" in page_two[0].text
    assert "Builder" not in page_two[0].text
    assert labels(page_two[0]) == ["Précédents"]
    back = await bot.click(button(page_two, "Précédents"), as_="bob")
    assert "Member0" in back[0].text
    gone = await bot.click(OutboundButton("Suivants", "dir|#no-such-search"), as_="bob")
    assert "n'est plus disponible" in gone[0].text


async def test_the_directory_never_crosses_communities(database_url: str, engine: AsyncEngine,
                                                       clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine,
                                AGORA_WORKSPACES="test:T1=test,test:T2=other") as bot:
        await add_sectors(bot)
        await add_sectors(bot, "other")
        await person(bot, "Insider", sector="batiment", tags=("plomberie",))
        await person(bot, "Outsider", community="other", sector="batiment", tags=("plomberie",))
        r = await bot.say("annuaire plomberie", as_="bob")
        assert "Insider" in r[0].text and "Outsider" not in r[0].text
        async with UnitOfWork(bot.app.services.sessions) as uow:
            other = await uow.directory.by_slug("other")
            assert other is not None
            found = await Directory(uow.session, other.id).search("plomberie")
        assert [e.name for e in found.entries] == ["Outsider"]
