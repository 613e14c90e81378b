"""Buttons survive a restart: their custom ids are the core's stable action ids and the adapter handles every
component interaction from the raw INTERACTION_CREATE, so no View has to be registered again. Also: the
interaction tokens of the previous process are gone, so its late replies go to the channel."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.replies import OutboundMessage, Visibility
from tests.contract.discord_harness import FALLBACK, started
from tests.contract.harness import wait_for
from tests.fakes.discord_fake import DiscordFake


async def test_a_button_on_an_old_message_works_after_a_restart(database_url: str,
                                                                engine: AsyncEngine) -> None:
    fake = DiscordFake()
    fake.text_channel(FALLBACK)
    await fake.start()
    try:
        async with started(fake, database_url, engine) as first:
            await first.command("U400", "langue")
            offer = await wait_for(first, lambda s: len(s.action_ids) == 2)
        await fake.wait_disconnected()  # the first process is gone
        async with started(fake, database_url, engine) as second:
            assert len(fake.identifies) == 2
            english = next(a for a in offer.action_ids if a.endswith("|en"))
            await second.click("U400", english)
            done = await wait_for(second, lambda s: "in English from now on" in s.text)
            assert done.kind == "interaction" and done.user == "U400"
    finally:
        await fake.stop()


async def test_a_reply_to_an_interaction_of_a_previous_process_goes_to_the_channel(
        database_url: str, engine: AsyncEngine) -> None:
    fake = DiscordFake()
    await fake.start()
    try:
        async with started(fake, database_url, engine) as first:
            iid = await first.fake.command("U401", "aide")
            await wait_for(first, lambda s: "Voici ce que je peux faire" in s.text)
        async with started(fake, database_url, engine) as second:
            message = OutboundMessage(id=1, idempotency_key="k", platform="discord",
                                      workspace_id=str(fake.guild_id), channel_id=str(fake.names.id("C1")),
                                      user_id=str(fake.names.id("U401")), thread_id=None,
                                      visibility=Visibility.CHANNEL, text="later", in_reply_to=str(iid))
            await second.adapter.send(message)
            later = await wait_for(second, lambda s: s.text == "later")
            assert later.kind == "channel" and later.channel == "C1"
    finally:
        await fake.stop()
