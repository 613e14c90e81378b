"""A real bot process (`bot.runner.run`, the code behind `agora run`) whose only platform appends each
delivered message's idempotency key to a file and fsyncs it, so a test can count deliveries across a kill -9.

    python outbox_worker.py OUT_FILE [--block-at K]

Settings come from the environment as for `agora run` (DATABASE_URL, AGORA_COMMUNITY, AGORA_OUTBOX_*).
With --block-at K, the K-th send of this process first creates OUT_FILE.blocked, then never returns: the test
kills the process there, with that message in flight and the rest waiting in the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot.config import Settings
from bot.logging import setup_logging
from bot.ports import Capabilities, EventSink, SendResult
from bot.replies import OutboundMessage
from bot.runner import run

PLATFORM = "file"


class FileAdapter:
    """A platform that is a file: one line per delivered message. Slowly paced, like a real platform."""

    platform = PLATFORM
    capabilities = Capabilities(buttons=False, rate_per_second=20.0)

    def __init__(self, path: Path, block_at: int | None) -> None:
        self.path = path
        self.block_at = block_at
        self.sends = 0

    async def start(self, sink: EventSink) -> None:
        """Nothing comes in from a file."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def send(self, message: OutboundMessage) -> SendResult:
        self.sends += 1
        if self.block_at is not None and self.sends >= self.block_at:
            self.path.with_suffix(".blocked").touch()
            await asyncio.Event().wait()  # hangs like a platform call that never answers
        with self.path.open("a", encoding="utf-8") as out:
            out.write(message.idempotency_key + "\n")
            out.flush()
            os.fsync(out.fileno())
        return SendResult(external_id=str(self.sends))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--block-at", type=int, default=None)
    args = parser.parse_args()
    settings = Settings()
    setup_logging(settings.log_level, settings.log_format)
    return asyncio.run(run(settings, adapters=[FileAdapter(args.out, args.block_at)]))


if __name__ == "__main__":
    sys.exit(main())
