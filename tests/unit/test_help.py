from bot.testing import BotTester


async def test_aide_in_french_and_help_in_english(bot: BotTester) -> None:
    replies = await bot.say("aide", as_="alice")
    assert len(replies) == 1
    assert "Voici ce que je peux faire" in replies[0].text
    assert "`aide`" not in replies[0].text and "aide:" in replies[0].text

    bot.locales["bob"] = "en-GB"
    replies = await bot.say("help", as_="bob")
    assert "Here is what I can do" in replies[0].text


async def test_unknown_command_gets_helpful_message(bot: BotTester) -> None:
    replies = await bot.command("frobnicate", as_="alice")
    assert "frobnicate" in replies[0].text and "aide" in replies[0].text


async def test_language_button_switches_language(bot: BotTester) -> None:
    replies = await bot.say("langue", as_="alice")
    assert [b.label for b in replies[0].buttons] == ["Français", "English"]
    replies = await bot.click(replies[0].buttons[1], as_="alice")
    assert "English" in replies[0].text
    replies = await bot.say("aide", as_="alice")
    assert "Here is what I can do" in replies[0].text


async def test_every_command_shows_a_name_it_answers_to_in_each_language(bot: BotTester) -> None:
    catalogs = bot.app.services.catalogs
    specs = {spec.name: spec for spec in bot.app.router.commands if spec.help_key is not None}
    for lang in ("fr", "en"):
        for name, spec in specs.items():
            shown = catalogs.raw(lang, f"command.name.{name}")
            assert shown is not None, f"{lang}: no name for {name}"
            assert shown in (spec.name, *spec.aliases), f"{lang}: {shown!r} does not reach {name}"
    replies = await bot.say("aide", as_="alice")
    assert "- entraide:" in replies[0].text and "- question:" in replies[0].text
