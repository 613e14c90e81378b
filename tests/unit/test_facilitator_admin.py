"""`/agora settings`, `/agora inactive` and `help <command>` for the console, in French and English."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import community_settings as cs
from bot.clock import ManualClock
from bot.store.faq_models import FaqSettings
from bot.store.models import AuditLog, Community, Member
from bot.store.uow import UnitOfWork
from tests.unit.facilitator_support import console


async def test_settings_list_change_validate_and_audit(database_url: str, engine: AsyncEngine, clock: ManualClock,
                                                       tmp_path: Path) -> None:
    async with console(database_url, engine, clock, tmp_path) as bot:
        listing = (await bot.command("agora", "settings", as_="fac"))[0].text
        assert "nudge.day = mon (par défaut)" in listing and "language = fr (par défaut)" in listing
        assert "faq.threshold = 0,32 (par défaut)" in listing and "broadcast.max_reminders = 1" in listing
        ok = {"nudge.day mercredi": "nudge.day vaut maintenant wed", "nudge.inactive_days 45": "vaut maintenant 45",
              "broadcast.max_reminders 2": "vaut maintenant 2",
              "timezone Africa/Dakar": "vaut maintenant Africa/Dakar", "seuil 0,5": "vaut maintenant 0,5"}
        for args, expected in ok.items():
            replies = await bot.command("agora", "reglages " + args, as_="fac")
            assert expected in replies[0].text.replace("`", ""), replies[0].text
        bad = {"nudge.day lastbluemoon": "jour de la semaine", "nudge.inactive_days 0": "entre 1 et 365",
               "language de": "`fr` ou `en`", "timezone Mars/Olympus": "n'est pas un fuseau horaire",
               "faq.threshold 2": "entre 0.2 et 0.95", "colour blue": "ne connais pas ce réglage",
               "nudge.day": "Indiquez une valeur"}
        for args, expected in bad.items():
            replies = await bot.command("agora", "settings " + args, as_="fac")
            assert len(replies) == 1 and expected.replace("`", "") in replies[0].text, (args, replies[0].text)
        assert "vaut maintenant en" in (await bot.command("agora", "settings language en", as_="fac"))[0].text
        async with UnitOfWork(bot.app.services.sessions) as uow:
            community = (await uow.session.execute(select(Community))).scalar_one()
            values = await cs.load(uow.session, community.id)
            faq = await uow.session.get(FaqSettings, community.id)
            audited = [a.target for a in (await uow.session.execute(
                select(AuditLog).where(AuditLog.action == "facilitator.settings"))).scalars()]
        assert (community.default_locale, community.timezone) == ("en", "Africa/Dakar")
        assert values.get("nudge.day") == "wed" and values.integer("nudge.inactive_days") == 45
        assert faq is not None and faq.threshold == 0.5
        assert audited == ["nudge.day", "nudge.inactive_days", "broadcast.max_reminders", "timezone",
                           "faq.threshold", "language"]
        # the default language applies at once to a member who never chose one
        assert "Here is what I can do" in (await bot.say("help", as_="newbie"))[0].text
        await bot.command("agora", "settings nudge.day default", as_="fac")
        async with UnitOfWork(bot.app.services.sessions) as uow:
            assert (await cs.load(uow.session, community.id)).is_default("nudge.day")


async def test_inactive_oldest_first_paginated(database_url: str, engine: AsyncEngine, clock: ManualClock,
                                               tmp_path: Path) -> None:
    async with console(database_url, engine, clock, tmp_path) as bot:
        await bot.say("bonjour", as_="fac")
        for i in range(25):
            await bot.say("bonjour", as_=f"m{i:02d}")
            clock.advance(days=1)
        clock.advance(days=30)
        await bot.say("bonjour", as_="m24")  # active again
        async with UnitOfWork(bot.app.services.sessions) as uow:
            await uow.session.execute(update(Member).where(Member.display_name == "M03").values(last_active_at=None))
        first = (await bot.command("agora", "inactifs 21", as_="fac"))[0].text
        lines = [line for line in first.splitlines() if line.startswith("- ")]
        assert "25 membres sans activité depuis 21 jours" in first and "page 1 sur 2" in first
        assert lines[0].startswith("- M03") and "jamais actif" in lines[0]
        assert lines[1].startswith("- Fac") and lines[2].startswith("- M00") and len(lines) == 20
        assert "/agora inactifs 21 2" in first
        second = (await bot.command("agora", "inactive 21 2", as_="fac"))[0].text
        # Fac's own command counted as activity: 24 inactive members now, M19 moved to the first page
        assert "24 membres" in second
        assert [line[:5] for line in second.splitlines() if line.startswith("- ")] == ["- M20", "- M21", "- M22",
                                                                                    "- M23"]
        for args in ("blue moon", "0", "21 0 5", "-3"):
            assert "Utilisez" in (await bot.command("agora", "inactive " + args, as_="fac"))[0].text


async def test_help_lists_and_explains_each_console_command(database_url: str, engine: AsyncEngine,
                                                            clock: ManualClock, tmp_path: Path) -> None:
    async with console(database_url, engine, clock, tmp_path) as bot:
        everything = (await bot.say("aide", as_="fac"))[0].text
        for name in ("rôle", "statistiques", "rétention", "exporter", "diffusion", "inactifs", "reglages"):
            assert f"agora {name}:" in everything  # each under its French name
        member_help = (await bot.say("aide", as_="awa"))[0].text
        assert "agora stats" not in member_help
        for asked, expected in (("aide stats", "Périodes : 7j"), ("aide diffusion", "Segments : tous"),
                                ("aide agora role", "dernier administrateur"), ("aide reglages", "rétablit")):
            assert expected in (await bot.say(asked, as_="fac"))[0].text, asked
        bot.locales["sam"] = "en"
        await bot.command("agora", "role grant sam facilitator", as_="fac")
        await bot.say("hello", as_="sam")
        await bot.command("agora", "role grant Sam facilitator", as_="fac")
        assert "Segments: `all`" not in (await bot.command("help", "broadcast", as_="sam"))[0].text
        assert "Segments: all" in (await bot.command("help", "broadcast", as_="sam"))[0].text
        assert "Here is what I can do" in (await bot.command("agora", "", as_="sam"))[0].text
        assert "Periods: 7d" in (await bot.command("agora", "help stats", as_="sam"))[0].text
        assert "reserved" not in (await bot.command("stats", "", as_="sam"))[0].text  # Slack and Discord's form
