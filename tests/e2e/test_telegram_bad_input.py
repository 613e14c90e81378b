"""Bad input from Telegram's side: unreadable updates, unknown kinds, huge messages and odd Unicode are logged
and ignored or answered politely, and the adapter keeps serving the updates that follow, in both modes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import Catalogs
from bot.markup import to_telegram_html
from tests.contract.harness import Sent, settle, wait_for
from tests.contract.telegram_harness import TelegramHarness, harness

MODES = ["polling", "webhook"]
SECRET_WORD = "zanzibar-salary-4242"  # member text that must never reach the logs


def broken_updates(h: TelegramHarness) -> list[dict[str, Any]]:
    """Updates with an id that python-telegram-bot cannot read, or that mean nothing to Agora."""
    chat = {"id": h.names.chat("C1"), "type": "supergroup", "title": "C1"}
    user = h.updates.user("U300")
    own = h.updates.message("U300", "my own message", "C1")
    own["message"]["from"] = h.fake.bot
    return [
        h.fake.update(message=f"not an object {SECRET_WORD}"),
        h.fake.update(message={"message_id": 1, "chat": chat, "from": user, "text": SECRET_WORD}),  # no date
        h.fake.update(callback_query={"id": "q-bad", "from": user, "data": SECRET_WORD}),  # no chat_instance
        h.fake.update(message={"message_id": 2, "date": 0, "chat": chat, "from": "nobody",
                               "text": SECRET_WORD}),
        h.fake.update(brand_new_kind={"text": SECRET_WORD}),
        h.fake.update(edited_message={"message_id": 3, "date": 0, "edit_date": 1, "chat": chat, "from": user,
                                      "text": SECRET_WORD}),
        h.fake.update(channel_post={"message_id": 4, "date": 0, "chat": {"id": -100777, "type": "channel"},
                                    "text": SECRET_WORD}),
        h.fake.update(message={"message_id": 5, "date": 0, "chat": chat, "from": user,
                               "sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular",
                                           "width": 1, "height": 1, "is_animated": False,
                                           "is_video": False}}),
        h.updates.message("U300", f"{SECRET_WORD} in a group, to nobody in particular", "C1"),
        h.updates.message("U300", "/aide@another_bot", "C1", entities=[{"type": "bot_command", "offset": 0,
                                                                       "length": 17}]),
        own,
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_unreadable_and_unknown_updates_are_skipped_and_the_next_one_is_served(
        database_url: str, engine: AsyncEngine, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    # Everything, PTB's debug lines too; set on the loggers themselves, whatever earlier tests left behind.
    for name in (None, "agora", "telegram"):
        caplog.set_level(logging.DEBUG, logger=name)
    async with harness(database_url, engine, mode=mode) as h:
        for update in broken_updates(h):
            status = await h.push(update)
            assert status in (None, 200), "Telegram must not re-send what can never be read"
        await h.command("U301", "aide", channel="C1")
        answer = await wait_for(h, lambda s: "Voici ce que je peux faire" in s.text)
        assert answer.channel == "C1"
        await settle(h)
        assert len(h.sent) == 1, f"only the real command was answered: {h.sent}"
    assert SECRET_WORD not in caplog.text, "raw updates never reach the logs"
    assert "unreadable telegram update skipped" in caplog.text


async def test_webhook_bodies_that_are_not_updates_are_refused(database_url: str,
                                                               engine: AsyncEngine) -> None:
    async with harness(database_url, engine, mode="webhook") as h:
        secret = h.fake.webhook_secret
        statuses = [
            await h.fake.post_webhook(None, secret, raw=b"{not json"),
            await h.fake.post_webhook(None, secret, raw=b"[1, 2, 3]"),
            await h.fake.post_webhook(None, secret, raw=b'{"update_id": "1001"}'),
            await h.fake.post_webhook(None, secret, raw=b"\xff\xfe\x00"),
            await h.fake.post_webhook(None, secret, raw=b'{"update_id": 1, "message": ' + b"[" * 10_000),
        ]
        assert statuses == [400] * len(statuses)
        await h.message("U302", "aide")
        await wait_for(h, lambda s: s.kind == "dm" and "Voici ce que je peux faire" in s.text)


def answered(h: TelegramHarness, user: str) -> Callable[[Sent], bool]:
    """A private answer to `user` that is not the apology for an internal error."""
    apology = h.plain(to_telegram_html(Catalogs().translate("fr", "error.internal")))
    return lambda s: s.kind == "dm" and s.user == user and s.text != apology


@pytest.mark.parametrize("mode", MODES)
async def test_huge_messages_and_odd_unicode_are_answered(database_url: str, engine: AsyncEngine,
                                                          mode: str) -> None:
    async with harness(database_url, engine, mode=mode) as h:
        await h.message("U303", "blabla " * 30_000)  # far beyond Telegram's 4096 characters
        await wait_for(h, answered(h, "U303"))
        await h.command("U304", "aide", "x" * 50_000, channel="C1")
        await wait_for(h, lambda s: "Voici ce que je peux faire" in s.text)
        odd = "\u202egnp.exe\u0000 \ud800 e\u0301\u200d🤖\ufeff <b>not bold</b> & \U0010ffff"
        await h.message("U305", odd)
        await wait_for(h, answered(h, "U305"))
        # A display name full of markup and controls is escaped in the welcome (the fake checks the HTML).
        joining = h.updates.join("U306")
        for person in (joining["message"]["from"], *joining["message"]["new_chat_members"]):
            person["first_name"] = "<script>alert(1)</script> & \u202eco\u0000"
        await h.push(joining)
        welcome = await wait_for(h, lambda s: s.kind == "dm" and s.user == "U306")
        assert "<script>alert(1)</script> &" in welcome.text
        await settle(h)
        assert all(c.status == 200 for c in h.fake.calls_to("sendMessage"))
