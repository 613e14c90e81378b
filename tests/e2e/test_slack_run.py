"""The bar: `agora run` as a real process with only the Slack settings greets a member who joined once,
however many times Slack delivers the `team_join` event, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.contract.harness import Sent
from tests.e2e.agora_cli import clean_env, sqlite_url
from tests.fakes.slack_fake import BOT_TOKEN, SlackFake

TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(url: str, proc: asyncio.subprocess.Process) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    async with aiohttp.ClientSession() as session:
        while loop.time() < deadline:
            assert proc.returncode is None, "agora run exited early"
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("agora run never became healthy")


async def quiet(fake: SlackFake, seconds: float = 1.0) -> list[Sent]:
    """What the fake received, once nothing new came for `seconds`."""
    seen = -1
    while seen != len(fake.sent):
        seen = len(fake.sent)
        await asyncio.sleep(seconds)
    return list(fake.sent)


async def test_agora_run_greets_a_new_slack_member_once_however_often_slack_retries(tmp_path: Path) -> None:
    fake = await SlackFake().start()
    port = free_port()
    env = clean_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=fake.signing_secret,
                    SLACK_API_URL=fake.api_url, AGORA_HTTP_PORT=str(port),
                    DATABASE_URL=sqlite_url(tmp_path / "agora.db"),
                    AGORA_CONSOLE="false", AGORA_OUTBOX_POLL_SECONDS="0.1")
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=tmp_path,
                                                    env=env, stdin=asyncio.subprocess.DEVNULL, stdout=err,
                                                    stderr=err)
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        fake.bot_url = f"http://127.0.0.1:{port}/slack/events"

        first = await fake.event({"type": "team_join", "user": {"id": "U300", "name": "awa",
                                                                "profile": {"display_name": "Awa"}}})
        retries = [await fake.redeliver_last(), await fake.redeliver_last()]  # X-Slack-Retry-Num: 1, then 2
        assert all(d.status == 200 and d.in_time for d in [first, *retries])

        sent = await quiet(fake)
        welcomes = [s for s in sent if s.kind == "dm" and s.user == "U300"]
        assert len(welcomes) == 1
        assert welcomes[0].text.strip()

        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()
    logs = stderr.read_text(encoding="utf-8", errors="replace")
    assert BOT_TOKEN not in logs and fake.signing_secret not in logs
