"""The bar: a bot process killed (kill -9) with messages waiting in the outbox, then restarted, delivers each
of them exactly once. Real processes (tests/e2e/programs/outbox_worker.py), real database, real signals."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.e2e.agora_cli import clean_env
from tests.e2e.programs.outbox_db import outbox_rows, prepare_database, seed_outbox

WORKER = Path(__file__).parent / "programs" / "outbox_worker.py"
TOTAL = 40
BLOCK_AT = 13  # the send the first process never finishes
TIMEOUT = 60.0


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the worker exited ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def start_worker(out: Path, cwd: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    log = (cwd / "worker.log").open("ab")
    return subprocess.Popen([sys.executable, str(WORKER), str(out), *extra], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)


def test_killed_with_messages_waiting_then_restarted_delivers_each_once(database_url: str, tmp_path: Path) -> None:
    prepare_database(database_url)
    keys = [f"restart:{i:03d}" for i in range(TOTAL)]
    seed_outbox(database_url, "restart", keys, platform="file", channel="C-news")
    out = tmp_path / "delivered.txt"
    # A short lease, so the rows the killed process had claimed come back quickly.
    env = clean_env(DATABASE_URL=database_url, AGORA_COMMUNITY="restart", AGORA_OUTBOX_LEASE_SECONDS="1",
                    AGORA_OUTBOX_POLL_SECONDS="0.1", AGORA_CONSOLE="false")

    first = start_worker(out, tmp_path, env, "--block-at", str(BLOCK_AT))
    try:
        wait_until(out.with_suffix(".blocked").exists, first, f"send #{BLOCK_AT}")
    finally:
        first.kill()  # SIGKILL: no shutdown code runs
        first.wait(TIMEOUT)
    assert first.returncode == -signal.SIGKILL
    assert lines(out) == keys[: BLOCK_AT - 1]
    waiting = [k for k, row in outbox_rows(database_url).items() if row.status != "sent"]
    assert waiting == keys[BLOCK_AT - 1 :], "the killed process left the rest waiting"

    second = start_worker(out, tmp_path, env)
    try:
        wait_until(lambda: len(lines(out)) >= TOTAL, second, f"{TOTAL} deliveries")
        second.send_signal(signal.SIGTERM)
        assert second.wait(TIMEOUT) == 0
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(TIMEOUT)

    delivered = lines(out)
    assert collections.Counter(delivered) == collections.Counter(keys), "each message exactly once"
    rows = outbox_rows(database_url)
    assert {rows[k].status for k in keys} == {"sent"}
    assert [rows[k].attempts for k in keys] == [1] * TOTAL
