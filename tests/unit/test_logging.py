import io
import json
import logging

from bot.logging import setup_logging
from bot.testing import BotTester


def test_logs_never_carry_contents_or_tokens() -> None:
    stream = io.StringIO()
    setup_logging("DEBUG", "json", stream=stream)
    log = logging.getLogger("agora.test")
    log.info("connected with xoxb-1234-5678-abcdefghijkl", extra={"text": "my salary is 3000", "member_id": 7})
    log.warning("token %s", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    dump = stream.getvalue()
    assert "xoxb-1234" not in dump and "AAHdqTcv" not in dump and "salary" not in dump
    assert lines[0]["member_id"] == 7 and lines[0]["text"] == "[redacted]"
    logging.getLogger().handlers.clear()


async def test_a_crashing_handler_logs_ids_not_the_message(bot: BotTester, caplog: object) -> None:
    stream = io.StringIO()
    setup_logging("INFO", "json", stream=stream)

    @bot.app.router.command("boom")
    async def boom(ctx: object) -> None:
        raise RuntimeError("boom")

    await bot.command("boom", args="mon numéro secret 0612345678", as_="alice")
    dump = stream.getvalue()
    logging.getLogger().handlers.clear()
    assert "handler failed" in dump
    assert "0612345678" not in dump and "secret" not in dump
