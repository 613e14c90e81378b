"""The Discord adapter against the fake Discord, beyond the contract: what it asks Discord for at start, how
messages, DMs, mentions and commands become core events, and what every message it sends says."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.models import Member, Outbox, PlatformAccount, Workspace
from tests.contract.discord_harness import DiscordHarness, harness
from tests.contract.harness import settle, wait_for
from tests.fakes.discord_fake import INTENTS_NEEDED, DiscordFake

HELP_FR = "Voici ce que je peux faire"
HELP_EN = "Here is what I can do"


@pytest.fixture
async def dh(database_url: str, engine: AsyncEngine) -> AsyncIterator[DiscordHarness]:
    async with harness(database_url, engine) as running:
        yield running


async def test_start_identifies_with_needed_intents_and_syncs_localised_commands(dh: DiscordHarness) -> None:
    assert dh.fake.identifies[0]["intents"] & INTENTS_NEEDED == INTENTS_NEEDED
    commands = {c["name"]: c for c in dh.fake.synced_commands}
    assert set(commands) == {"agora", "help", "aide"}
    agora = commands["agora"]
    assert [o["name"] for o in agora["options"]] == ["command", "args"]
    assert agora["description"].startswith("Parler à Agora")  # AGORA_DEFAULT_LOCALE is fr
    assert agora["description_localizations"]["en-US"].startswith("Talk to Agora")


async def test_dm_is_answered_in_the_dm_and_belongs_to_the_members_guild(dh: DiscordHarness,
                                                                         engine: AsyncEngine) -> None:
    await dh.join("U500")
    await wait_for(dh, lambda s: s.kind == "dm" and s.user == "U500" and "Bienvenue" in s.text)
    await dh.message("U500", "aide")
    await wait_for(dh, lambda s: s.kind == "dm" and s.user == "U500" and HELP_FR in s.text)
    async with engine.connect() as conn:
        accounts = (await conn.execute(select(PlatformAccount.external_user_id, Workspace.external_id)
                                       .join(Workspace, Workspace.id == PlatformAccount.workspace_id))).all()
    assert accounts == [(str(dh.fake.names.id("U500")), str(dh.fake.guild_id))]
    dm_opens = [c for c in dh.fake.calls if c.path == "/users/@me/channels"]
    assert len(dm_opens) <= 1  # the DM channel id is remembered (or taken from the DM itself)


async def test_channel_messages_count_only_when_the_bot_is_mentioned(dh: DiscordHarness) -> None:
    await dh.message("U501", "aide", channel="C1")
    await dh.message("U501", "aide", channel="C1", mention=True)
    answer = await wait_for(dh, lambda s: HELP_FR in s.text)
    assert answer.kind == "channel" and answer.channel == "C1"
    await settle(dh)
    assert sum(HELP_FR in s.text for s in dh.sent) == 1


async def test_mentioning_the_bots_role_counts_as_mentioning_the_bot(dh: DiscordHarness) -> None:
    await dh.fake.message("U512", "aide", channel="C1", mention_role=True)
    answer = await wait_for(dh, lambda s: HELP_FR in s.text)
    assert answer.kind == "channel" and answer.channel == "C1"


async def test_the_bots_own_messages_are_ignored(dh: DiscordHarness) -> None:
    await dh.fake.message("APP", "aide", channel="C1", mention=True)
    await dh.message("U502", "aide")
    await wait_for(dh, lambda s: s.user == "U502" and HELP_FR in s.text)
    await settle(dh)
    assert sum(HELP_FR in s.text for s in dh.sent) == 1


async def test_bare_and_empty_commands_show_help(dh: DiscordHarness) -> None:
    for name in ("aide", "help", "agora"):
        payload = dh.fake.interaction_payload("U503", 2, dh.fake.command_data(name))
        await dh.fake.dispatch("INTERACTION_CREATE", payload)
    deadline = asyncio.get_running_loop().time() + 10
    while sum(HELP_FR in s.text and s.kind == "interaction" for s in dh.sent) < 3:
        assert asyncio.get_running_loop().time() < deadline, dh.sent
        await asyncio.sleep(0.02)


async def test_command_words_in_one_option_and_the_members_discord_locale(dh: DiscordHarness,
                                                                         engine: AsyncEngine) -> None:
    await dh.fake.command("U504", "help please", locale="en-US", permissions=str(1 << 3))
    answer = await wait_for(dh, lambda s: HELP_EN in s.text)
    assert answer.kind == "interaction" and answer.user == "U504"
    async with engine.connect() as conn:
        member = (await conn.execute(select(Member.locale, Member.role))).one()
    assert member == ("en", "facilitator")  # the Discord locale and the administrator permission


async def test_every_message_allows_user_mentions_only_and_defuses_mass_ones(dh: DiscordHarness) -> None:
    await dh.command("U505", "@everyone")
    await dh.join("U506")
    await dh.message("U507", "@here", channel="C1", mention=True)
    await wait_for(dh, lambda s: s.kind == "dm" and s.user == "U506")
    await wait_for(dh, lambda s: s.kind == "interaction" and "everyone" in s.text)
    await wait_for(dh, lambda s: s.kind == "channel")
    posts = [c for c in dh.fake.calls
             if c.method == "POST" and isinstance(c.json, dict) and "content" in c.json]
    assert len(posts) >= 3
    for call in posts:
        assert call.json["allowed_mentions"] == {"parse": ["users"]}
        assert "@everyone" not in call.json["content"] and "@here" not in call.json["content"]


async def test_two_messages_at_once_are_both_handled(dh: DiscordHarness) -> None:
    await asyncio.gather(dh.message("U508", "aide"), dh.message("U509", "help"))
    await wait_for(dh, lambda s: s.user == "U508" and HELP_FR in s.text)
    await wait_for(dh, lambda s: s.user == "U509")


async def test_a_replayed_join_welcomes_once(dh: DiscordHarness) -> None:
    await dh.join("U510")
    await wait_for(dh, lambda s: s.kind == "dm" and s.user == "U510")
    await dh.redeliver_last()  # as after a gateway RESUME
    await settle(dh)
    assert sum(s.kind == "dm" and s.user == "U510" for s in dh.sent) == 1


async def test_a_command_in_a_thread_keeps_the_thread_for_later_replies(dh: DiscordHarness,
                                                                        engine: AsyncEngine) -> None:
    thread = await dh.fake.ensure_thread("TH5", "C1")
    await dh.fake.command("U511", "aide", channel="TH5")
    await wait_for(dh, lambda s: s.kind == "interaction" and HELP_FR in s.text)
    async with engine.connect() as conn:
        row = (await conn.execute(select(Outbox.channel_id, Outbox.thread_id))).one()
    assert row == (str(dh.fake.names.id("C1")), str(thread))


async def test_a_dm_from_a_member_of_another_guild_is_filed_under_that_guild(database_url: str,
                                                                            engine: AsyncEngine) -> None:
    async with harness(database_url, engine, fake=DiscordFake(other_guilds=["G2"])) as dh:
        g2 = dh.fake.names.id("G2")
        dh.fake.members.setdefault(g2, set()).add(dh.fake.names.id("U520"))
        await dh.message("U520", "aide")
        await wait_for(dh, lambda s: s.user == "U520" and HELP_FR in s.text)
        async with engine.connect() as conn:
            query = select(Workspace.external_id).join(PlatformAccount,
                                                       PlatformAccount.workspace_id == Workspace.id)
            filed = (await conn.execute(query)).all()
        assert filed == [(str(g2),)]
        lookups = [c.path for c in dh.fake.calls if "/members/" in c.path]
        assert lookups == [f"/guilds/{dh.fake.guild_id}/members/{dh.fake.names.id('U520')}",
                           f"/guilds/{g2}/members/{dh.fake.names.id('U520')}"]


async def test_logs_carry_neither_contents_nor_interaction_tokens(dh: DiscordHarness,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await dh.message("U530", "aide SECRET-CONTENT-42")
    await wait_for(dh, lambda s: s.user == "U530")
    dh.rate_limit(count=1, retry_after=0.05)  # discord.py warns with the URL, token included, on a 429
    iid = await dh.fake.command("U531", "aide", args="OTHER-SECRET-43")
    await wait_for(dh, lambda s: s.user == "U531" and s.kind == "interaction")
    token = dh.fake.interactions[iid].token
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "discord.http" in {r.name for r in caplog.records}  # discord.py did log, at INFO and above
    for secret in ("SECRET-CONTENT-42", "OTHER-SECRET-43", token, dh.fake.token):
        assert secret not in logged
