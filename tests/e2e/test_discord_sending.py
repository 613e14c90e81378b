"""DiscordAdapter.send against the fake Discord: where each kind of message goes, what it looks like, and how
Discord's refusals become the core's RetryLater, TransientFailure and PermanentFailure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord_bot import DiscordAdapter
from bot.ports import PermanentFailure, RetryLater, TransientFailure
from bot.replies import OutboundButton, OutboundMessage, Visibility
from tests.contract.discord_harness import DiscordHarness, harness
from tests.contract.harness import wait_for


@pytest.fixture
async def dh(database_url: str, engine: AsyncEngine) -> AsyncIterator[DiscordHarness]:
    async with harness(database_url, engine) as running:
        yield running


def outbound(dh: DiscordHarness, *, visibility: Visibility = Visibility.CHANNEL, channel: str | None = "C1",
             user: str | None = "U600", text: str = "hello", thread: str | None = None,
             buttons: tuple[OutboundButton, ...] = (), in_reply_to: str | None = None) -> OutboundMessage:
    ids = dh.fake.names
    return OutboundMessage(id=1, idempotency_key="k", platform="discord", workspace_id=str(dh.fake.guild_id),
                           channel_id=str(ids.id(channel)) if channel else None,
                           user_id=str(ids.id(user)) if user else None,
                           thread_id=str(ids.id(thread)) if thread else None, visibility=visibility,
                           text=text, buttons=buttons, in_reply_to=in_reply_to)


async def test_markup_is_rendered_long_texts_are_cut_and_buttons_come_in_rows(dh: DiscordHarness) -> None:
    buttons = tuple(OutboundButton(f"B{i}", f"act|{i}", "primary" if i == 0 else "default") for i in range(7))
    result = await dh.adapter.send(outbound(dh, text="*bold* @[42] " + "x" * 3000, buttons=buttons))
    assert result.external_id is not None
    body = dh.fake.calls[-1].json
    assert body["content"].startswith("**bold** <@42> ") and len(body["content"]) == 2000
    assert [len(row["components"]) for row in body["components"]] == [5, 2]
    first = body["components"][0]["components"][0]
    assert (first["custom_id"], first["style"], first["label"]) == ("act|0", 1, "B0")


async def test_a_thread_reply_posts_in_the_thread(dh: DiscordHarness) -> None:
    await dh.fake.ensure_thread("TH9", "C1")
    await dh.adapter.send(outbound(dh, visibility=Visibility.THREAD, thread="TH9"))
    sent = await wait_for(dh, lambda s: s.text == "hello")
    assert (sent.kind, sent.channel, sent.thread) == ("thread", "C1", "TH9")


async def test_ephemeral_without_an_interaction_goes_to_a_dm_and_the_dm_channel_is_remembered(
        dh: DiscordHarness) -> None:
    await dh.adapter.send(outbound(dh, visibility=Visibility.EPHEMERAL, text="one"))
    await dh.adapter.send(outbound(dh, visibility=Visibility.DM, channel=None, text="two"))
    assert [s.kind for s in dh.sent] == ["dm", "dm"] and {s.user for s in dh.sent} == {"U600"}
    assert len([c for c in dh.fake.calls if c.path == "/users/@me/channels"]) == 1


async def test_a_long_rate_limit_is_handed_to_the_outbox_at_once(dh: DiscordHarness) -> None:
    """discord.py refuses to sleep through a Retry-After above its 30 s ceiling: RetryLater, no sleep."""
    dh.rate_limit(count=1, retry_after=45.0)
    with pytest.raises(RetryLater) as caught:
        await dh.adapter.send(outbound(dh))
    assert caught.value.retry_after == 45.0


async def test_a_rate_limit_that_outlasts_discord_py_retries_becomes_retry_later(dh: DiscordHarness) -> None:
    dh.rate_limit(count=5, retry_after=0.01)
    with pytest.raises(RetryLater):
        await dh.adapter.send(outbound(dh))
    assert len([c for c in dh.fake.calls if c.status == 429]) == 5


async def test_server_errors_are_transient(dh: DiscordHarness) -> None:
    dh.fake.fail_next(1, status=503)
    with pytest.raises(TransientFailure):
        await dh.adapter.send(outbound(dh))


async def test_closed_dms_are_unreachable_and_other_refusals_are_permanent(dh: DiscordHarness) -> None:
    dh.refuse_dms("U601")
    with pytest.raises(PermanentFailure) as closed:
        await dh.adapter.send(outbound(dh, visibility=Visibility.DM, channel=None, user="U601"))
    assert closed.value.unreachable and "50007" in str(closed.value)
    with pytest.raises(PermanentFailure) as unknown:
        await dh.adapter.send(outbound(dh, channel="NOWHERE"))
    assert not unknown.value.unreachable


async def test_a_follow_up_on_a_token_discord_no_longer_knows_goes_to_the_channel(dh: DiscordHarness) -> None:
    iid = await dh.fake.command("U602", "aide")
    await wait_for(dh, lambda s: s.kind == "interaction")
    dh.fake.interactions.pop(iid)  # as if the token had expired on Discord's side
    await dh.adapter.send(outbound(dh, user="U602", text="late", in_reply_to=str(iid)))
    late = await wait_for(dh, lambda s: s.text == "late")
    assert late.kind == "channel" and late.channel == "C1"


async def test_send_after_stop_is_transient(database_url: str, engine: AsyncEngine) -> None:
    async with harness(database_url, engine) as running:
        adapter = running.adapter
    with pytest.raises(TransientFailure):
        await adapter.send(OutboundMessage(id=1, idempotency_key="k", platform="discord", workspace_id="1",
                                           channel_id="1", user_id=None, thread_id=None,
                                           visibility=Visibility.CHANNEL, text="x"))


async def test_a_send_that_hangs_is_abandoned_as_transient(database_url: str, engine: AsyncEngine) -> None:
    async with harness(database_url, engine) as running:
        adapter = DiscordAdapter(settings=running.app.settings, send_timeout=0.3)
        await adapter.start(lambda event: asyncio.sleep(0))
        try:
            running.fake.stall_next(1, seconds=2.0)
            with pytest.raises(TransientFailure, match="timeout"):
                await adapter.send(outbound(running))
        finally:
            await adapter.stop()
