"""What the Slack adapter and its SDKs log, even at DEBUG: ids and error types, never what members wrote,
never a token or the signing secret; and setting up Bolt leaves Agora's own loggers as they were."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logging import setup_logging
from tests.contract.harness import wait_for
from tests.contract.slack_harness import harness
from tests.fakes.slack_fake import BOT_TOKEN, SIGNING_SECRET

SECRET_TEXT = "mon salaire est de 4321 euros"


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    setup_logging("DEBUG", "json", stream=stream)
    try:
        yield stream
    finally:
        root.handlers.clear()
        root.setLevel(level)


async def test_debug_logs_carry_no_contents_or_secrets(logs: io.StringIO, database_url: str,
                                                       engine: AsyncEngine) -> None:
    async with harness(database_url, engine) as h:
        await h.message("U800", SECRET_TEXT)
        await wait_for(h, lambda s: s.user == "U800")
        await h.command("U801", "aide", SECRET_TEXT)
        await wait_for(h, lambda s: s.user == "U801")
        forged = await h.forged()
    dump = logs.getvalue()
    assert forged == 401 and "slack request refused" in dump  # logging works, and says what matters
    assert "slack adapter started" in dump  # Agora's INFO logs still flow once Bolt is set up
    for secret in (SECRET_TEXT, "4321", BOT_TOKEN, SIGNING_SECRET):
        assert secret not in dump
    assert logging.getLogger("agora").level == logging.NOTSET
