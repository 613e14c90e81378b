"""Slack, Discord and Telegram in one process on one store, with a member who links their Slack and Telegram
accounts: after the one-time code they are one member everywhere (one row, both accounts, a language chosen on
one platform followed on the other), while the Discord member next to them stays someone else."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.db import session_factory
from bot.store.models import Member, PlatformAccount
from tests.contract.all_platforms import all_platforms
from tests.contract.harness import wait_for

_CODE = re.compile(r"\b([A-Z0-9]{6,})\b")


async def test_three_platforms_one_process_one_member_across_two(database_url: str, engine: AsyncEngine) -> None:
    async with all_platforms(database_url, engine) as world:
        slack, discord, telegram = world.slack, world.discord, world.telegram
        assert set(world.app.adapters) == {"slack", "discord", "telegram"}

        # Each platform works, side by side.
        await slack.join("U200")
        await wait_for(slack, lambda s: s.kind == "dm" and s.user == "U200" and "Bienvenue" in s.text)
        await telegram.command("U300", "aide", channel=None)
        await wait_for(telegram, lambda s: s.kind == "dm" and s.user == "U300" and "Voici" in s.text)
        await discord.command("U400", "aide")
        await wait_for(discord, lambda s: "Voici ce que je peux faire" in s.text)

        # U200 on Slack asks for a linking code (in a DM) and gives it on Telegram as U300.
        await slack.command("U200", "link")
        dm = await wait_for(slack, lambda s: s.kind == "dm" and s.user == "U200" and "*" in s.text
                            and "link" in s.text)
        found = _CODE.search(dm.text.replace("*", " "))
        assert found is not None, dm.text
        await telegram.command("U300", "link", found.group(1), channel=None)
        await wait_for(telegram, lambda s: s.kind == "dm" and s.user == "U300" and "reliés" in s.text)

        sessions = session_factory(engine)
        async with sessions() as session:
            owners = dict((await session.execute(
                select(PlatformAccount.platform, PlatformAccount.member_id))).all())
            members = await session.scalar(select(func.count()).select_from(Member))
        assert owners["slack"] == owners["telegram"], owners
        assert owners["discord"] != owners["slack"]
        assert members == 2  # the Telegram-only member was merged into the Slack one

        # One member everywhere: English chosen on Telegram is what Slack speaks to them next.
        await telegram.command("U300", "langue", "en", channel=None)
        await wait_for(telegram, lambda s: s.kind == "dm" and s.user == "U300" and "English" in s.text)
        await slack.command("U200", "help")
        await wait_for(slack, lambda s: s.user == "U200" and "Here is what I can do" in s.text)
        # ...and the Discord member next to them is untouched, still in French.
        await discord.command("U400", "help")
        await wait_for(discord, lambda s: sum("Voici ce que" in x.text for x in discord.sent) == 2)
        assert not any("Here is what" in s.text for s in discord.sent)
