"""Slack specifics, both ways, against the fake: DMs, mentions delivered twice, threads, channel joins, the
bot's own messages, ephemeral messages, response URLs, Block Kit buttons, DM channels cached, refused DMs,
Slack's retries and 5xx, and mass mentions defused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.context import Context
from bot.replies import Visibility
from bot.store.models import Activity, Member
from tests.contract.harness import settle, wait_for
from tests.contract.slack_harness import SlackHarness, harness
from tests.fakes.slack_fake import BOT_USER

HELP = "Voici ce que je peux faire"


@pytest.fixture
async def h(database_url: str, engine: AsyncEngine) -> AsyncIterator[SlackHarness]:
    async with harness(database_url, engine) as started:
        yield started


def channel_message(h: SlackHarness, user: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel": "C1", "channel_type": "channel", "user": user, "text": text,
            "ts": h.fake.ts(), **extra}


async def activity_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Activity))).scalar_one())


async def test_a_dm_is_answered_in_the_dm_without_opening_it_again(h: SlackHarness) -> None:
    await h.message("U600", "aide")
    reply = await wait_for(h, lambda s: HELP in s.text)
    assert (reply.kind, reply.channel, reply.user) == ("dm", h.fake.dm_channel("U600"), "U600")
    assert h.fake.calls_to("conversations.open") == []  # the channel came with the message


async def test_the_slack_profile_gives_name_locale_and_admin_flag(h: SlackHarness,
                                                                   engine: AsyncEngine) -> None:
    h.fake.add_user("U612", "Awa Diop", locale="en-US", is_admin=True)
    await h.message("U612", "help")
    await wait_for(h, lambda s: s.user == "U612" and "Here is what I can do" in s.text)
    async with engine.connect() as conn:
        member = (await conn.execute(select(Member.display_name, Member.role))).one()
    assert tuple(member) == ("Awa Diop", "facilitator")


async def test_a_new_member_is_welcomed_in_their_slack_language(h: SlackHarness) -> None:
    h.fake.add_user("U613", "Kofi", locale="en-GB")
    await h.fake.event({"type": "team_join", "user": {"id": "U613", "name": "kofi"}})  # without its locale
    welcome = await wait_for(h, lambda s: s.user == "U613")
    assert "Welcome" in welcome.text and "Bienvenue" not in welcome.text


async def test_a_mention_sent_twice_by_slack_is_answered_once_in_its_thread(h: SlackHarness) -> None:
    """As a message event and as an app_mention event."""
    await h.message("U601", "aide", channel="C1", thread="1700000000.000100", mention=True)
    await wait_for(h, lambda s: HELP in s.text)
    await settle(h)
    replies = [s for s in h.fake.sent if HELP in s.text]
    assert len(replies) == 1
    assert (replies[0].kind, replies[0].channel, replies[0].thread) == ("thread", "C1", "1700000000.000100")


async def test_a_thread_answer_to_a_top_level_message_starts_a_thread_under_it(h: SlackHarness) -> None:
    @h.app.router.command("fil")
    async def threaded(ctx: Context) -> None:
        ctx.reply("in a thread", visibility=Visibility.THREAD)

    ts = h.fake.ts()
    await h.fake.event({"type": "app_mention", "channel": "C1", "user": "U614", "text": f"<@{BOT_USER}> fil",
                        "ts": ts})
    reply = await wait_for(h, lambda s: s.text == "in a thread")
    assert (reply.kind, reply.channel, reply.thread) == ("thread", "C1", ts)


async def test_channel_messages_count_and_bot_messages_or_edits_do_not(h: SlackHarness,
                                                                       engine: AsyncEngine) -> None:
    fake = h.fake
    await fake.event(channel_message(h, "U602", "bonjour"))
    await fake.event(channel_message(h, "U602", "in a thread, also sent to the channel",
                                     subtype="thread_broadcast", thread_ts="1700000000.000200"))
    await fake.event(channel_message(h, "U602", "edited", subtype="message_changed"))
    await fake.event(channel_message(h, "U603", "from a bot", bot_id="B1"))
    await fake.event(channel_message(h, BOT_USER, "from ourselves"))
    await settle(h)
    assert await activity_count(engine) == 2
    assert fake.sent == []  # nobody addressed the bot


async def test_joining_a_channel_is_a_member_joined_but_the_bot_joining_is_not(h: SlackHarness) -> None:
    for user in (BOT_USER, "U604"):
        await h.fake.event({"type": "member_joined_channel", "user": user, "channel": "C1"})
    await wait_for(h, lambda s: s.kind == "dm" and s.user == "U604")
    await settle(h)
    assert [s.user for s in h.fake.sent] == ["U604"]


async def test_ephemeral_replies_use_post_ephemeral_and_dms_reuse_the_opened_channel(h: SlackHarness) -> None:
    await h.join("U605")
    await wait_for(h, lambda s: s.kind == "dm" and s.user == "U605")
    await h.message("U605", "link", channel="C1", mention=True)
    notice = await wait_for(h, lambda s: s.kind == "ephemeral")
    assert (notice.channel, notice.user) == ("C1", "U605")
    await wait_for(h, lambda s: s.kind == "dm" and s.user == "U605" and "/agora link" in s.text)
    assert len(h.fake.calls_to("conversations.open")) == 1


async def test_command_replies_use_the_response_url_then_the_web_api_once_it_expired(h: SlackHarness) -> None:
    await h.command("U606", "aide")
    first = await wait_for(h, lambda s: HELP in s.text)
    assert (first.kind, first.channel, first.user) == ("interaction", "C1", "U606")
    h.fake.expire_response_urls()
    await h.command("U606", "help")
    await wait_for(h, lambda s: HELP in s.text and s.kind == "channel" and s.channel == "C1")


async def test_buttons_are_block_kit_actions_carrying_the_opaque_id(h: SlackHarness) -> None:
    await h.command("U607", "langue")
    await wait_for(h, lambda s: len(s.action_ids) == 2)
    blocks = h.fake.calls_to("response_url")[-1]["blocks"]
    assert [b["type"] for b in blocks] == ["section", "actions"]
    assert {e["action_id"] for e in blocks[1]["elements"]} == {"language.set|fr", "language.set|en"}


@pytest.mark.parametrize("error", ["cannot_dm_bot", "user_not_found", "user_disabled"])
async def test_a_refused_dm_becomes_a_real_mention_in_the_fallback_channel(h: SlackHarness,
                                                                           error: str) -> None:
    h.fake.refuse_dms("U608", error)
    await h.join("U608")
    notice = await wait_for(h, lambda s: s.channel == h.fallback_channel)
    assert "<@U608>" in notice.text


async def test_retries_of_an_event_have_one_effect(h: SlackHarness) -> None:
    first = await h.fake.event({"type": "team_join", "user": {"id": "U609", "name": "x"}})
    retries = [await h.fake.redeliver_last() for _ in range(3)]
    assert [d.status for d in [first, *retries]] == [200] * 4
    await settle(h)
    assert sum(s.user == "U609" for s in h.fake.sent) == 1


async def test_a_slack_outage_is_retried(h: SlackHarness) -> None:
    h.fake.fail(1)
    await h.join("U610")
    await wait_for(h, lambda s: s.kind == "dm" and s.user == "U610", timeout=15)


async def test_mass_mentions_in_names_are_defused(h: SlackHarness) -> None:
    profile = {"display_name": "<!channel> @here"}
    await h.fake.event({"type": "team_join", "user": {"id": "U611", "profile": profile}})
    welcome = await wait_for(h, lambda s: s.user == "U611")
    assert "here" in welcome.text  # the name is shown...
    assert "<!channel>" not in welcome.text and "@here" not in welcome.text  # ...but pings nobody
