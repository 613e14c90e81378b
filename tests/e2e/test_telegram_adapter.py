"""The Telegram adapter end to end against the fake Bot API, for what is Telegram's own: both ways of
receiving (long polling, webhook with its secret), deep links, mentions and replies in groups, reply chains
and topics, several members joining at once, the member's language, and how Bot API failures are read."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import InvalidToken

from adapters.telegram_bot import TelegramAdapter
from adapters.telegram_bot.adapter import api_urls
from adapters.telegram_bot.webhook import webhook_endpoint
from bot.config import Settings
from bot.events import Event
from bot.ports import TransientFailure
from bot.replies import OutboundMessage, Visibility
from bot.store.models import PlatformAccount
from tests.contract.harness import settle, wait_for
from tests.contract.telegram_harness import harness
from tests.fakes.telegram_fake import BOT_ID, BOT_USERNAME, FakeTelegram

HELP = "Voici ce que je peux faire"
CODE = re.compile(r"\b[A-Z2-9]{8}\b")  # a one-time linking code


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_join_command_button_and_redelivery_in_both_modes(database_url: str, engine: AsyncEngine,
                                                                 mode: str) -> None:
    async with harness(database_url, engine, mode=mode) as h:
        await h.join("U400")
        welcome = await wait_for(h, lambda s: s.kind == "dm" and s.user == "U400")
        assert "Bienvenue" in welcome.text
        await h.message("U400", "langue")  # in the private chat: no command slash needed
        await wait_for(h, lambda s: s.kind == "dm" and "language.set|en" in s.action_ids)
        await h.push(h.updates.click("U400", "language.set|en", None))
        done = await wait_for(h, lambda s: "in English from now on" in s.text)
        assert done.kind == "dm" and done.user == "U400"
        await h.redeliver_last()
        await h.command("U400", "help", channel="C1")  # English now, in the group
        await wait_for(h, lambda s: "Here is what I can do" in s.text and s.channel == "C1")
        await settle(h)
        english = sum("in English from now on" in s.text for s in h.sent)
        assert english == 1, "a re-delivered click has one effect"
        assert [c.status for c in h.fake.calls_to("answerCallbackQuery")][:1] == [200]


async def test_polling_mode_clears_any_webhook_and_asks_only_for_what_agora_uses(
        database_url: str, engine: AsyncEngine) -> None:
    async with harness(database_url, engine, mode="polling") as h:
        assert h.adapter.routes() == []
        update = h.updates.message("U401", "aide")
        await h.push(update)
        await wait_for(h, lambda s: s.user == "U401")
        methods = [c.method for c in h.fake.calls]
        assert methods[:2] == ["getMe", "deleteWebhook"] and "setWebhook" not in methods
        assert h.fake.allowed_updates == ["message", "callback_query", "message_reaction"]
    # On stop, PTB confirms what it fetched: a restart would not get the same updates again.
    last = h.fake.calls_to("getUpdates")[-1]
    assert int(last.params["offset"]) == update["update_id"] + 1


async def test_webhook_mode_registers_the_url_with_its_secret_and_refuses_other_secrets(
        database_url: str, engine: AsyncEngine) -> None:
    async with harness(database_url, engine, mode="webhook") as h:
        (route,) = h.adapter.routes()
        assert route[:2] == ("POST", "/telegram/webhook")
        assert h.fake.webhook_url is not None and h.fake.webhook_url.endswith("/telegram/webhook")
        assert h.fake.webhook_secret == "harness-webhook-secret"
        assert h.fake.allowed_updates == ["message", "callback_query", "message_reaction"]
        update = h.updates.command("U402", "aide", channel=None)
        assert await h.fake.post_webhook(update, "harness-webhook-secreT") == 403
        assert await h.fake.post_webhook(update, "") == 403
        assert await h.fake.post_webhook(update, "harness-webhook-secret") == 200
        await wait_for(h, lambda s: s.user == "U402" and HELP in s.text)
    assert "deleteWebhook" not in [c.method for c in h.fake.calls], "the webhook stays set across restarts"


async def test_webhook_without_a_configured_secret_makes_up_a_strong_one(database_url: str,
                                                                        engine: AsyncEngine) -> None:
    async with harness(database_url, engine, mode="webhook", secret=None) as h:
        secret = h.fake.webhook_secret
        assert secret is not None and len(secret) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", secret)
        await h.message("U403", "aide")  # the fake sends it with the secret it was given
        await wait_for(h, lambda s: s.user == "U403" and HELP in s.text)
        assert await h.fake.post_webhook(h.updates.message("U403", "aide"), None) == 403


async def member_of(engine: AsyncEngine, telegram_user: int) -> int | None:
    async with engine.connect() as conn:
        found = await conn.execute(select(PlatformAccount.member_id).where(
            PlatformAccount.platform == "telegram", PlatformAccount.external_user_id == str(telegram_user)))
        return found.scalar_one_or_none()


async def test_start_with_a_code_links_two_accounts_and_without_one_answers(database_url: str,
                                                                           engine: AsyncEngine) -> None:
    async with harness(database_url, engine, mode="polling") as h:
        await h.push(h.updates.command("U410", "start", channel=None))
        await wait_for(h, lambda s: s.kind == "dm" and s.user == "U410")
        await h.push(h.updates.command("U411", "link", channel=None))
        issued = await wait_for(h, lambda s: s.user == "U411" and CODE.search(s.text) is not None)
        code = CODE.search(issued.text)
        assert code is not None
        # What the deep link t.me/<bot>?start=CODE sends: the two Telegram accounts become one member.
        await h.push(h.updates.command("U412", "start", code.group(0), channel=None))
        await wait_for(h, lambda s: s.user == "U412")
        first, second = h.names.user("U411"), h.names.user("U412")
        assert await member_of(engine, second) == await member_of(engine, first) is not None


async def test_group_messages_are_for_the_bot_only_when_they_mention_or_answer_it(
        database_url: str, engine: AsyncEngine) -> None:
    async with harness(database_url, engine, mode="polling") as h:
        await h.push(h.updates.message("U420", "aide", "C1"))  # to the group, not to the bot
        await h.push(h.updates.message("U420", f"@{BOT_USERNAME}_fan aide", "C1"))  # someone else's handle
        await h.push(h.updates.mention("U420", "aide", "C1"))
        mentioned = await wait_for(h, lambda s: HELP in s.text)
        assert (mentioned.kind, mentioned.channel) == ("channel", "C1")
        # A reply to one of the bot's messages is addressed to it: the answer goes to that reply chain.
        bot_message = {"message_id": 77, "date": 0, "chat": h.updates.chat("C1", "U421"), "from": h.fake.bot,
                       "text": "…"}
        await h.push(h.updates.message("U421", "aide", "C1", reply_to_message=bot_message))
        await wait_for(h, lambda s: len([x for x in h.sent if HELP in x.text]) == 2)
        await settle(h)
        answers = [m for m in h.fake.messages if HELP in m["text"]]
        assert len(answers) == 2, "only the mention and the reply were answered"
        assert "reply_parameters" not in answers[0]
        assert answers[1]["reply_parameters"]["message_id"] == 77


async def test_topics_keep_their_thread_and_several_new_members_each_get_a_welcome(
        database_url: str, engine: AsyncEngine) -> None:
    async with harness(database_url, engine, mode="polling") as h:
        await h.message("U430", "aide", channel="C2", thread="Questions", mention=True)
        answer = await wait_for(h, lambda s: HELP in s.text)
        assert (answer.kind, answer.channel, answer.thread) == ("thread", "C2", "Questions")
        several = h.updates.join("U431")
        several["message"]["new_chat_members"] = [h.updates.user("U431"), h.updates.user("U432", "en"),
                                                  {**h.fake.bot}]  # the bot itself is added too
        await h.push(several)
        first = await wait_for(h, lambda s: s.kind == "dm" and s.user == "U431")
        await wait_for(h, lambda s: s.kind == "dm" and s.user == "U432")
        assert "Bienvenue" in first.text
        # U432's Telegram app is in English: so is the bot, for them.
        await h.push(h.updates.message("U432", "/help", None, language="en",
                                       entities=[{"type": "bot_command", "offset": 0, "length": 5}]))
        await wait_for(h, lambda s: s.user == "U432" and "Here is what I can do" in s.text)
        await settle(h)
        assert not any(s.user == str(BOT_ID) for s in h.sent), "the bot does not welcome itself"


async def test_failures_are_read_as_telegram_means_them(database_url: str, engine: AsyncEngine) -> None:
    async with harness(database_url, engine, mode="polling") as h:
        # A 5xx is transient: retried, then delivered.
        h.fake.fail(1, status=502)
        await h.message("U440", "aide")
        await wait_for(h, lambda s: s.user == "U440" and HELP in s.text)
        # 403 in a group means the bot was removed from it, not that the member is unreachable.
        h.fake.refuse(h.names.chat("C9"))
        await h.push(h.updates.mention("U441", "aide", "C9"))
        await h.message("U441", "aide")
        await wait_for(h, lambda s: s.user == "U441" and HELP in s.text)
        # 403 in a private chat: unreachable, and the fallback notice mentions them in the group.
        h.refuse_dms("U442")
        await h.join("U442")
        notice = await wait_for(h, lambda s: s.channel == h.fallback_channel and "@U442" in s.text)
        assert notice.kind == "channel"
        await settle(h)
        statuses = [c.status for c in h.fake.calls_to("sendMessage")]
        assert statuses.count(502) == 1 and statuses.count(403) == 2
    async with engine.connect() as conn:
        found = await conn.execute(select(PlatformAccount.external_user_id, PlatformAccount.unreachable_at)
                                   .where(PlatformAccount.platform == "telegram"))
        rows = {user: unreachable for user, unreachable in found.all()}
    assert rows[str(h.names.user("U442"))] is not None
    assert rows[str(h.names.user("U441"))] is None


def test_api_and_webhook_urls() -> None:
    assert api_urls(None) == ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot")
    local = ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")
    assert api_urls("http://127.0.0.1:8081/bot/") == local
    assert api_urls("http://proxy:8081") == ("http://proxy:8081/bot", "http://proxy:8081/file/bot")
    assert webhook_endpoint("https://bot.example.org") == ("https://bot.example.org/telegram/webhook",
                                                           "/telegram/webhook")
    assert webhook_endpoint("https://example.org/tg/hook") == ("https://example.org/tg/hook", "/tg/hook")


async def test_a_wrong_token_stops_the_start_loudly_and_cleanly() -> None:
    fake = FakeTelegram()
    await fake.start()
    try:
        settings = Settings.model_validate({"TELEGRAM_BOT_TOKEN": "999999:not-the-token",
                                            "TELEGRAM_API_URL": fake.api_url})
        adapter = TelegramAdapter(settings=settings)
        received: list[Event] = []

        async def sink(event: Event) -> None:
            received.append(event)

        with pytest.raises(InvalidToken):
            await adapter.start(sink)
        await adapter.stop()
        assert [(c.method, c.status) for c in fake.calls] == [("getMe", 401)]
        with pytest.raises(TransientFailure):
            await adapter.send(OutboundMessage(id=1, idempotency_key="k", platform="telegram",
                                               workspace_id="1", channel_id="-1", user_id=None,
                                               thread_id=None, visibility=Visibility.CHANNEL, text="x"))
    finally:
        await fake.stop()
