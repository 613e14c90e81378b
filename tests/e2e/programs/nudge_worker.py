"""A real bot process (the app `agora run` builds, its scheduler and outbox sender) whose only platform appends
each delivered message's idempotency key to a file and fsyncs it, for the nudges' process-level tests.

    python nudge_worker.py OUT_FILE [--lease-seconds S] [--block-after-batch K]

Settings come from the environment (DATABASE_URL, AGORA_COMMUNITY, AGORA_OUTBOX_*). The weekly nudge job runs
when the scheduler fires it (a stored job that is due) or resumes it (a run whose lease expired). With
--block-after-batch K, once batch K of a run is committed and every message due so far is delivered (so no
send is in flight), the process creates OUT_FILE.blocked and hangs there: the test kills it with SIGKILL.
SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from bot.composition import build_app
from bot.config import Settings
from bot.logging import setup_logging
from bot.nudges.campaign import NudgeCampaign
from bot.ports import Capabilities, EventSink, SendResult
from bot.replies import OutboundMessage

PLATFORM = "file"


class FileAdapter:
    platform = PLATFORM
    capabilities = Capabilities(buttons=True, rate_per_second=500.0)

    def __init__(self, path: Path) -> None:
        self.path = path

    async def start(self, sink: EventSink) -> None:
        """Nothing comes in from a file."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def send(self, message: OutboundMessage) -> SendResult:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(message.idempotency_key + "\n")
            out.flush()
            os.fsync(out.fileno())
        return SendResult(external_id=message.idempotency_key)


async def main_async(out: Path, lease: float, block_after: int | None) -> int:
    settings = Settings()
    app = build_app(settings, adapters=[FileAdapter(out)])
    campaign = NudgeCampaign.of(app.services)
    campaign.lease = timedelta(seconds=lease)

    async def after_batch(index: int) -> None:
        if block_after is not None and index + 1 >= block_after:
            await app.sender.drain(PLATFORM, timeout=30)
            out.with_suffix(".blocked").touch()
            await asyncio.Event().wait()  # hangs mid-run until killed

    campaign.after_batch = after_batch
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await app.start()
    out.with_suffix(f".ready{os.getpid()}").touch()
    await stop.wait()
    await app.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--lease-seconds", type=float, default=120.0)
    parser.add_argument("--block-after-batch", type=int, default=None)
    args = parser.parse_args()
    setup_logging("INFO", "json")
    return asyncio.run(main_async(args.out, args.lease_seconds, args.block_after_batch))


if __name__ == "__main__":
    sys.exit(main())
