"""`agora run`: the real command in a subprocess (health over HTTP, SIGTERM, nothing lost), and `bot.runner.run`
in process for what needs a look inside (a signal in the middle of a delivery, the console's end of input,
adapters' webhook routes)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from adapters.console import ConsoleAdapter
from bot.config import Settings
from bot.http import Health, HttpServer, create_web_app
from bot.ports import SendResult
from bot.replies import OutboundMessage
from bot.runner import run
from bot.store.db import create_engine
from bot.testing import TestAdapter
from tests.e2e.agora_cli import clean_env
from tests.e2e.programs.outbox_db import outbox_rows, prepare, prepare_database, rows, seed, seed_outbox

TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_for(database_url: str, **values: Any) -> Settings:
    return Settings.model_validate({"DATABASE_URL": database_url, "AGORA_COMMUNITY": "runner",
                                    "AGORA_COMMUNITY_NAME": "Runner", "AGORA_OUTBOX_POLL_SECONDS": 0.05,
                                    **values})


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


# --- the real command ---------------------------------------------------------------------------------------
def test_agora_run_serves_health_and_stops_on_sigterm_keeping_pending_messages(database_url: str,
                                                                               tmp_path: Path) -> None:
    prepare_database(database_url)
    due = [f"due:{i:02d}" for i in range(30)]
    later = [f"later:{i}" for i in range(5)]
    elsewhere = [f"slack:{i}" for i in range(3)]  # a platform this process does not run
    seed_outbox(database_url, "runner", due, platform="console", channel="dm-zoe", user="zoe")
    seed_outbox(database_url, "runner", later, platform="console", channel="dm-zoe", user="zoe",
                due_in=timedelta(days=1))
    seed_outbox(database_url, "runner", elsewhere, platform="slack", channel="C1")
    port = free_port()
    env = clean_env(DATABASE_URL=database_url, AGORA_COMMUNITY="runner", AGORA_HTTP_PORT=str(port),
                    AGORA_HTTP_HOST="127.0.0.1", AGORA_CONSOLE="true", AGORA_LOG_FORMAT="json",
                    AGORA_OUTBOX_POLL_SECONDS="0.1")
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env,
                                stdin=subprocess.PIPE, stdout=stdout, stderr=stderr)
    try:
        body = wait_for_health(proc, f"http://127.0.0.1:{port}/healthz", err,
                               until=lambda b: b["outbox_pending"] == len(later) + len(elsewhere))
        assert body == {"status": "ok", "db": True, "adapters": {"started": True, "platforms": ["console"]},
                        "outbox_pending": len(later) + len(elsewhere)}
        proc.send_signal(signal.SIGTERM)  # with the console's input still open
        assert proc.wait(TIMEOUT) == 0, err.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(TIMEOUT)
        assert proc.stdin is not None
        proc.stdin.close()

    stored = outbox_rows(database_url)
    assert [(stored[k].status, stored[k].attempts) for k in due] == [("sent", 1)] * len(due)
    kept = [stored[k] for k in later + elsewhere]
    assert [(r.status, r.attempts, r.claimed_until) for r in kept] == [("pending", 0, None)] * len(kept)
    printed = out.read_text(encoding="utf-8")
    assert [printed.count(f"token {k} end") for k in due + later] == [1] * len(due) + [0] * len(later)
    logs = [json.loads(line) for line in err.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
    assert {"msg": "agora stopping", "reason": "SIGTERM"}.items() <= next(
        r for r in logs if r["msg"] == "agora stopping").items()
    assert next(r for r in logs if r["msg"] == "agora stopped")["outbox_waiting"] == len(later) + len(elsewhere)
    assert "token" not in err.read_text(encoding="utf-8"), "message contents never reach the logs"


def wait_for_health(proc: subprocess.Popen[bytes], url: str, err: Path, until: Any) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    last: Any = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"agora run exited with {proc.returncode}: {err.read_text()}")
        try:
            status, body = get_json(url)
        except (ConnectionError, urllib.error.URLError) as exc:
            last = exc
        else:
            last = (status, body)
            if status == 200 and until(body):
                return body
        time.sleep(0.05)
    raise AssertionError(f"no healthy answer from {url}: {last}")


# --- in process ---------------------------------------------------------------------------------------------
class SlowAdapter(TestAdapter):
    """Each send takes a little while, like a platform call; the third one is when SIGTERM arrives."""

    signal_at: int = 3

    async def send(self, message: OutboundMessage) -> SendResult:
        if len(self.sent) + 1 == self.signal_at:
            # Only ever while run() handles SIGTERM: the default action would end the test process.
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
            os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.01)
        return await super().send(message)


async def test_sigterm_during_delivery_finishes_the_send_and_keeps_the_rest(database_url: str) -> None:
    await prepare(database_url)
    keys = [f"slow:{i:02d}" for i in range(40)]
    await seed(database_url, "runner", keys, platform="test", channel="C1")
    adapter = SlowAdapter(deliver_inline=False)

    code = await asyncio.wait_for(run(settings_for(database_url), adapters=[adapter]), TIMEOUT)

    assert code == 0
    sent = [d.message.idempotency_key for d in adapter.sent]
    assert sent == keys[: len(sent)] and len(sent) >= adapter.signal_at, "the send in flight was finished"
    stored = await rows(database_url)
    assert [stored[k].status for k in keys] == ["sent"] * len(sent) + ["pending"] * (len(keys) - len(sent))
    assert len(sent) < len(keys), "shutdown did not wait for the whole queue"
    assert all(stored[k].claimed_until is None for k in keys[len(sent):]), "released, not left leased"
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, "the handler is removed on the way out"


async def test_run_ends_when_the_console_input_ends(database_url: str) -> None:
    await prepare(database_url)
    settings = settings_for(database_url, AGORA_DEFAULT_LOCALE="en")
    out = io.StringIO()
    console = ConsoleAdapter(settings=settings, stdin=io.StringIO("help\n"), stdout=out, user="Ada")

    assert await asyncio.wait_for(run(settings, adapters=[console]), TIMEOUT) == 0
    assert "Here is what I can do" in out.getvalue()


class WebhookAdapter(TestAdapter):
    """A platform that calls us over HTTP; its input ends when `closed` is set (so run() returns)."""

    def __init__(self) -> None:
        super().__init__(deliver_inline=False)
        self.closed = asyncio.Event()
        self.calls = 0

    def routes(self) -> list[tuple[str, str, Any]]:
        async def hook(request: web.Request) -> web.Response:
            self.calls += 1
            return web.json_response({"received": (await request.json())["n"]})

        return [("POST", "/hooks/test", hook)]

    async def finished(self) -> None:
        await self.closed.wait()


async def test_run_serves_health_and_adapter_routes_and_ends_with_its_finite_adapters(database_url: str) -> None:
    await prepare(database_url)
    await seed(database_url, "runner", ["w:later"], platform="test", channel="C1", due_in=timedelta(hours=1))
    port = free_port()
    adapter, ready = WebhookAdapter(), asyncio.Event()
    task = asyncio.create_task(run(settings_for(database_url, AGORA_HTTP_PORT=port), adapters=[adapter],
                                   ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), TIMEOUT)
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                assert await response.json() == {"status": "ok", "db": True, "outbox_pending": 1,
                                                 "adapters": {"started": True, "platforms": ["test"]}}
            async with client.post(f"http://127.0.0.1:{port}/hooks/test", json={"n": 7}) as response:
                assert (response.status, await response.json()) == (200, {"received": 7})
        assert adapter.calls == 1
        assert not task.done()
        adapter.closed.set()
        assert await asyncio.wait_for(task, TIMEOUT) == 0
    finally:
        if not task.done():
            task.cancel()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the port is released"


async def test_a_finite_adapter_alongside_a_live_one_does_not_end_the_run(database_url: str) -> None:
    await prepare(database_url)
    finite, live, ready = WebhookAdapter(), TestAdapter(platform="other"), asyncio.Event()
    finite.closed.set()  # its input has ended already
    task = asyncio.create_task(run(settings_for(database_url), adapters=[finite, live], ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), TIMEOUT)
        done, _ = await asyncio.wait({task}, timeout=0.2)
        assert not done, "the other platform still runs"
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler  # run() catches it
        os.kill(os.getpid(), signal.SIGINT)
        assert await asyncio.wait_for(task, TIMEOUT) == 0
    finally:
        if not task.done():
            task.cancel()


async def test_health_reports_an_unreachable_database() -> None:
    engine = create_engine(f"postgresql+asyncpg://agora@127.0.0.1:{free_port()}/agora")  # nothing listens there
    server = HttpServer(create_web_app(Health(engine, ["test"], started=True)), "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as client, \
                client.get(f"http://127.0.0.1:{server.port}/healthz") as response:
            assert response.status == 503
            assert await response.json() == {"status": "unavailable", "db": False, "outbox_pending": None,
                                             "adapters": {"started": True, "platforms": ["test"]}}
    finally:
        await server.stop()
        await engine.dispose()
