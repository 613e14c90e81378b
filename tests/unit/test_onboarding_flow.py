"""Onboarding through BotTester: the whole flow in French and in English ending in a directory entry another
member finds, a restart in the middle, bad answers, stale buttons, expiry, and editing with `profile`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.events import ConversationRef, MemberLeft, Sender
from bot.store.models import ConversationState, MemberSector, Sector
from bot.store.profile_models import MemberExpertise, Onboarding
from bot.testing import BotTester
from tests.unit.onboarding_support import add_sectors, button, labels, member_row, to


async def test_full_onboarding_in_french_ends_in_a_directory_entry(bot: BotTester,
                                                                    engine: AsyncEngine) -> None:
    await add_sectors(bot)
    r = await bot.join("zoe", locale="fr-FR")
    assert len(r) == 1 and r[0].visibility == "dm" and r[0].user_id == "zoe"
    assert r[0].text.startswith("Bienvenue dans Test, Zoe !")
    assert "(1/7) Quelles sont vos filières" in r[0].text
    assert labels(r[0]) == ["Bâtiment et travaux", "Numérique", "Gestion et droit", "Terminé", "Passer"]

    r = await bot.click(button(r, "Bâtiment et travaux"), as_="zoe")
    assert "Choisi pour l'instant : Bâtiment et travaux" in r[0].text
    assert labels(r[0])[0] == "✓ Bâtiment et travaux"
    r = await bot.click(button(r, "Terminé"), as_="zoe")
    assert "(2/7)" in r[0].text and labels(r[0])[:2] == ["plomberie", "isolation"]  # the sector's suggestions
    r = await bot.click(button(r, "plomberie"), as_="zoe")
    r = await bot.say("Chauffage,  devis", as_="zoe")
    assert "chauffage, devis, plomberie" in r[0].text
    r = await bot.click(button(r, "Terminé"), as_="zoe")
    assert "(3/7) Où êtes-vous" in r[0].text
    r = await bot.say("Bretagne", as_="zoe")
    assert "(4/7)" in r[0].text and "Europe/Paris" in labels(r[0])
    r = await bot.say("dakar", as_="zoe")
    r = await bot.click(button(r, "Oui, je peux aider"), as_="zoe")
    r = await bot.click(button(r, "Chaque mois"), as_="zoe")
    assert "(7/7)" in r[0].text
    r = await bot.click(button(r, "Oui, listez-moi"), as_="zoe")
    assert "Presque fini" in r[0].text
    for shown in ("Bâtiment et travaux", "chauffage, devis, plomberie", "Bretagne", "Africa/Dakar",
                  "Chaque mois"):
        assert shown in r[0].text
    r = await bot.click(button(r, "Terminer"), as_="zoe")
    assert "Votre profil est prêt" in r[0].text and "#batiment" in r[0].text and "aide" in r[0].text

    zoe = await member_row(engine, "Zoe")
    assert (zoe.region, zoe.timezone, zoe.is_expert, zoe.nudge_frequency, zoe.locale) == (
        "Bretagne", "Africa/Dakar", True, "monthly", "fr")
    assert zoe.directory_consent_at is not None
    async with engine.connect() as conn:
        tags = set((await conn.execute(select(MemberExpertise.tag))).scalars())
        sectors = set((await conn.execute(select(Sector.slug).join(MemberSector))).scalars())
        done = (await conn.execute(select(Onboarding.finished_at))).scalar_one()
        flows = (await conn.execute(select(func.count()).select_from(ConversationState))).scalar_one()
    assert tags == {"chauffage", "devis", "plomberie"} and sectors == {"batiment"}
    assert done is not None and flows == 0

    found = await bot.say("annuaire plomberie bretagne", as_="bob")
    assert "1 membre(s)" in found[0].text and "Zoe (expert)" in found[0].text and "@zoe" in found[0].text


async def test_full_onboarding_in_english_with_an_approved_intro(database_url: str, engine: AsyncEngine,
                                                                 clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine,
                                AGORA_INTRO_CHANNELS="test=C-intro|introductions") as bot:
        await add_sectors(bot)
        r = await bot.join("sam")  # the platform gave no language: welcome in both, language first
        assert "Bienvenue dans Test, Sam ! / Welcome to Test, Sam!" in r[0].text
        assert labels(r[0]) == ["Français", "English"]
        r = await bot.click(button(r, "English"), as_="sam")
        assert "(2/8) Which sectors are yours?" in r[0].text
        r = await bot.say("digital", as_="sam")
        assert "(3/8) What are you good at?" in r[0].text
        assert labels(r[0])[:2] == ["site web", "réseaux sociaux"]
        r = await bot.say("web design, UX", as_="sam")
        r = await bot.say("done", as_="sam")  # a button's label, typed
        r = await bot.click(button(r, "Skip"), as_="sam")
        r = await bot.say("Europe/London", as_="sam")
        r = await bot.click(button(r, "Not now"), as_="sam")
        r = await bot.click(button(r, "Never"), as_="sam")
        r = await bot.click(button(r, "Yes, list me"), as_="sam")
        assert "Nearly done" in r[0].text and "- Region: not given" in r[0].text
        # Edit a field from the review, then come back to it.
        r = await bot.click(button(r, "Region"), as_="sam")
        assert r[0].text.startswith("Where are you based")  # no counter while editing
        r = await bot.say("London", as_="sam")
        assert "Nearly done" in r[0].text and "- Region: London" in r[0].text
        r = await bot.click(button(r, "Finish"), as_="sam")
        assert "Your profile is ready, Sam!" in r[0].text and "#numerique" in r[0].text
        assert "#introductions" in r[0].text and "Hello everyone! I'm Sam." in r[0].text
        r = await bot.click(button(r, "Write my own"), as_="sam")
        r = await bot.say("Hi all, Sam here: I design websites for craftspeople.", as_="sam")
        assert "Sam here" in r[0].text and labels(r[0])[0] == "Post it"
        r = await bot.click(button(r, "Post it"), as_="sam")
        post = next(m for m in r if m.message.channel_id == "C-intro")
        assert post.visibility == "channel" and "New member: Sam" in post.text and "Sam here" in post.text
        assert any("your introduction is in #introductions" in m.text for m in to(r, "sam"))

        found = await bot.say("directory ux london", as_="bob")
        assert "Sam" in found[0].text and "Digital" not in found[0].text  # Bob reads French sector names
        assert "Numérique" in found[0].text


async def test_a_restart_in_the_middle_resumes_at_the_same_step(database_url: str, engine: AsyncEngine,
                                                                clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock) as first:
        await add_sectors(first)
        r = await first.join("zoe", locale="fr")
        r = await first.click(button(r, "Numérique"), as_="zoe")
        r = await first.click(button(r, "Terminé"), as_="zoe")
        r = await first.say("export", as_="zoe")
        before = r
        assert "(2/7)" in before[0].text
    async with BotTester.create(database_url, clock=clock) as second:  # a new process on the same database
        r = await second.say("douane", as_="zoe")
        assert "(2/7)" in r[0].text and "douane, export" in r[0].text
        r = await second.click(button(before, "Terminé"), as_="zoe")  # a button sent before the restart
        assert "(3/7) Où êtes-vous" in r[0].text


async def test_bad_answers_get_a_clear_message_and_the_flow_goes_on(bot: BotTester,
                                                                    engine: AsyncEngine) -> None:
    await add_sectors(bot)
    await bot.join("zoe", locale="fr")
    r = await bot.say("boulangerie", as_="zoe")
    assert "Je ne connais pas la filière « boulangerie »" in r[0].text and "(1/7)" in r[0].text
    r = await bot.say("🏗️🔨", as_="zoe")
    assert "Il me faut des mots" in r[0].text and "(1/7)" in r[0].text
    r = await bot.say("bâtiment, gestion", as_="zoe")
    assert "(2/7)" in r[0].text
    r = await bot.say("🙂🙂🙂", as_="zoe")
    assert "Il me faut des mots" in r[0].text and "(2/7)" in r[0].text
    r = await bot.say("x" * 41, as_="zoe")
    assert "40 caractères au plus" in r[0].text
    r = await bot.click(button(r, "Terminé"), as_="zoe")
    r = await bot.say("Occitanie " * 50, as_="zoe")  # a 500-character region
    assert "Cela fait 499 caractères" in r[0].text and "(3/7)" in r[0].text
    r = await bot.say("👍", as_="zoe")
    assert "Il me faut des mots" in r[0].text
    r = await bot.say("Occitanie", as_="zoe")
    r = await bot.say("Atlantide", as_="zoe")
    assert "Je ne connais pas le fuseau horaire « Atlantide »" in r[0].text and "(4/7)" in r[0].text
    r = await bot.say("Europe/Paris", as_="zoe")
    r = await bot.say("peut-être", as_="zoe")
    assert "Choisissez l'une des options" in r[0].text and "(5/7)" in r[0].text
    r = await bot.say("2", as_="zoe")  # an option's number, typed
    assert "(6/7)" in r[0].text
    zoe = await member_row(engine, "Zoe")
    assert (zoe.region, zoe.timezone, zoe.is_expert) == ("Occitanie", "Europe/Paris", False)


async def test_stale_buttons_of_an_earlier_step_and_of_an_old_flow(bot: BotTester, engine: AsyncEngine,
                                                                   clock: ManualClock) -> None:
    await add_sectors(bot)
    first = await bot.join("zoe", locale="fr")
    r = await bot.click(button(first, "Passer"), as_="zoe")
    tags_prompt = r
    r = await bot.click(button(first, "Numérique"), as_="zoe")  # the sectors question is behind us
    assert "question précédente" in r[0].text and "(2/7)" in r[0].text
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(MemberSector))).scalar_one() == 0

    clock.advance(days=15)  # the conversation expires (14 days by default)
    r = await bot.click(button(tags_prompt, "Terminé"), as_="zoe")
    assert "a expiré" in r[0].text and labels(r[0]) == ["Continuer mon profil"]
    r = await bot.say("export", as_="zoe")  # no flow any more: the text is not taken as an answer
    assert "(2/7)" not in r[0].text
    card = await bot.say("profil", as_="zoe")
    r = await bot.click(button(card, "Continuer mon profil"), as_="zoe")
    assert "(2/7)" in r[0].text  # back at the furthest step reached
    r = await bot.click(button(tags_prompt, "Terminé"), as_="zoe")  # a button of the old flow
    assert "conversation précédente" in r[0].text and "(2/7)" in r[0].text


async def test_profile_shows_every_field_and_edits_one(bot: BotTester, engine: AsyncEngine) -> None:
    await add_sectors(bot)
    r = await bot.join("zoe", locale="fr")
    for label in ("Passer", "Passer", "Passer", "Passer", "Passer", "Passer", "Non, pas dans l'annuaire",
                  "Terminer"):
        r = await bot.click(button(r, label), as_="zoe")
    assert "Votre profil est prêt" in r[0].text
    card = await bot.say("profil", as_="zoe")
    for field in ("Filières", "Compétences", "Région", "Langue", "Fuseau horaire", "Expert", "Nouvelles",
                  "Annuaire"):
        assert f"- {field} :" in card[0].text
    assert "non visible" in card[0].text and "Continuer mon profil" not in labels(card[0])
    r = await bot.click(button(card, "Annuaire"), as_="zoe")
    r = await bot.click(button(r, "Oui, listez-moi"), as_="zoe")
    assert r[0].text.startswith("C'est enregistré.") and "- Annuaire : visible" in r[0].text
    r = await bot.click(button(r, "Langue"), as_="zoe")
    r = await bot.click(button(r, "English"), as_="zoe")
    assert r[0].text.startswith("Saved.") and "- Language: English" in r[0].text
    assert "Here is what I can do" in (await bot.say("help", as_="zoe"))[0].text
    assert "Zoe" in (await bot.say("annuaire zoe", as_="bob"))[0].text
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(ConversationState))).scalar_one() == 0


async def test_without_sectors_that_question_is_skipped_and_a_rejoin_is_welcomed_back(
        bot: BotTester, engine: AsyncEngine) -> None:
    r = await bot.join("zoe", locale="en")
    assert "(1/6) What are you good at?" in r[0].text
    for label in ("Skip", "Skip", "Skip", "Skip", "Skip", "No, keep me out", "Finish"):
        r = await bot.click(button(r, label), as_="zoe")
    assert await bot.join("zoe", locale="en") == []  # already here (a channel join, say): no second welcome
    await bot.send_event(MemberLeft(platform="test", event_id="left-zoe", sender=Sender("zoe", "Zoe"),
                                    ref=ConversationRef("test", "T1", "C-general", "zoe"), ts=bot.clock.now()))
    assert (await member_row(engine, "Zoe")).left_at is not None
    again = await bot.join("zoe", locale="en")
    assert again[0].text.startswith("Welcome back to Test, Zoe!") and not again[0].buttons
    assert (await member_row(engine, "Zoe")).left_at is None


async def test_a_question_in_the_middle_goes_to_the_faq_and_the_flow_waits(bot: BotTester,
                                                                           engine: AsyncEngine) -> None:
    await add_sectors(bot)
    r = await bot.join("zoe", locale="fr")
    r = await bot.click(button(r, "Passer"), as_="zoe")
    r = await bot.click(button(r, "Passer"), as_="zoe")
    assert "(3/7) Où êtes-vous" in r[0].text
    r = await bot.say("Comment embaucher un apprenti ?", as_="zoe")
    assert "(3/7)" not in r[0].text and "Où êtes-vous" not in r[0].text
    r = await bot.say("Lyon", as_="zoe")
    assert "(4/7)" in r[0].text
    assert (await member_row(engine, "Zoe")).region == "Lyon"
