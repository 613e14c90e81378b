"""The Telegram bar: `agora run` as a real process, with only TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL set
(plus its database), long-polls the (fake) Bot API and greets a new member who sends /start; SIGTERM ends it
cleanly."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from bot.i18n import Catalogs
from bot.markup import to_telegram_html
from tests.contract.telegram_harness import Names, Updates
from tests.e2e.agora_cli import clean_env
from tests.e2e.programs.outbox_db import prepare
from tests.fakes.telegram_fake import TOKEN, FakeTelegram

TIMEOUT = 60.0


def not_a_greeting() -> set[str]:
    """What the bot says when something went wrong or it did not know /start, as Telegram would receive it."""
    catalogs = Catalogs()
    return {to_telegram_html(catalogs.translate("fr", "error.internal")),
            to_telegram_html(catalogs.translate("fr", "help.unknown_command", command="start"))}


async def until(condition: Callable[[], bool], proc: asyncio.subprocess.Process, err: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not condition():
        if proc.returncode is not None or loop.time() > deadline:
            logs = await asyncio.to_thread(err.read_text)
            raise AssertionError(f"agora run exit code {proc.returncode}, or timed out; stderr: {logs}")
        await asyncio.sleep(0.05)


async def test_agora_run_with_only_telegram_settings_greets_members_who_send_start(database_url: str,
                                                                                     tmp_path: Path) -> None:
    await prepare(database_url)
    fake = FakeTelegram()
    await fake.start()
    names = Names()
    updates = Updates(fake, names)
    await fake.push(updates.command("Awa", "start", channel=None))  # waiting before the bot even runs
    env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.api_url, DATABASE_URL=database_url,
                    AGORA_CONSOLE="false")
    err = tmp_path / "stderr.txt"
    with err.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=tmp_path,
                                                    env=env, stdin=asyncio.subprocess.DEVNULL,
                                                    stdout=asyncio.subprocess.DEVNULL, stderr=stderr)
    try:
        await until(lambda: len(fake.messages) == 1, proc, err)
        assert int(fake.messages[0]["chat_id"]) == names.user("Awa")
        # Live: a second member starts the bot while it is long-polling.
        await fake.push(updates.command("Binta", "start", channel=None))
        await until(lambda: len(fake.messages) == 2, proc, err)
        assert int(fake.messages[1]["chat_id"]) == names.user("Binta")
        assert not {m["text"] for m in fake.messages} & not_a_greeting(), "a greeting, not an apology"
        assert [c.method for c in fake.calls[:2]] == ["getMe", "deleteWebhook"]
        wanted = ["message", "callback_query", "message_reaction"]
        assert fake.calls_to("getUpdates")[0].params["allowed_updates"] == wanted

        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0, err.read_text()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()
    logs = err.read_text(encoding="utf-8")
    assert "telegram adapter started" in logs
    assert TOKEN not in logs, "no token in the logs"
    assert "Binta" not in logs and fake.messages[0]["text"] not in logs, "no message contents in the logs"
    assert len(fake.messages) == 2, "each member greeted once"
