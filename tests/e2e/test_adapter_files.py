"""Files through each real SDK against its fake: a chart (PNG) and a CSV export reach the platform as files,
with the message's text; a file that vanished from disk is a permanent failure, not a crash or a retry loop."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import PermanentFailure
from bot.replies import Attachment, OutboundButton, OutboundMessage, Visibility
from tests.contract.discord_harness import harness as discord_harness
from tests.contract.slack_harness import harness as slack_harness
from tests.contract.telegram_harness import harness as telegram_harness

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def message(platform: str, channel: str | None, user: str | None, text: str, *files: Attachment) -> OutboundMessage:
    return OutboundMessage(id=1, idempotency_key="k1", platform=platform, workspace_id="w", channel_id=channel,
                           user_id=user, thread_id=None, visibility=Visibility.DM, text=text, attachments=files)


def files(tmp_path: Path) -> tuple[Attachment, Attachment]:
    chart = tmp_path / "stats.png"
    chart.write_bytes(PNG)
    export = tmp_path / "members.csv"
    export.write_text("id,name\n1,Awa\n", encoding="utf-8")
    return Attachment("stats.png", str(chart), "image/png"), Attachment("members.csv", str(export), "text/csv")


async def test_telegram_sends_photos_and_documents(database_url: str, engine: AsyncEngine, tmp_path: Path) -> None:
    chart, export = files(tmp_path)
    async with telegram_harness(database_url, engine) as h:
        user = str(h.names.user("U800"))
        await h.adapter.send(message("telegram", user, user, "*Chiffres* du mois", chart))
        await h.adapter.send(message("telegram", user, user, "x" * 2000, chart, export))
        with pytest.raises(PermanentFailure):
            await h.adapter.send(message("telegram", user, user, "gone", Attachment("a.csv", str(tmp_path / "no"))))
    sent = [(f["method"], f["filename"], f["content"], f["caption"]) for f in h.fake.files]
    assert sent == [("sendPhoto", "stats.png", PNG, "<b>Chiffres</b> du mois"),
                    ("sendPhoto", "stats.png", PNG, ""),
                    ("sendDocument", "members.csv", b"id,name\n1,Awa\n", "")]
    assert h.plain(h.fake.messages[0]["text"]) == "Chiffres du mois"
    assert h.fake.messages[1]["text"] == "x" * 2000  # too long for a caption: the text first, then the files


async def test_slack_uploads_files_into_the_dm_or_channel(database_url: str, engine: AsyncEngine,
                                                         tmp_path: Path) -> None:
    chart, export = files(tmp_path)
    async with slack_harness(database_url, engine) as h:
        await h.adapter.send(message("slack", None, "U800", "*Stats* du mois", chart, export))
        channel_post = OutboundMessage(id=2, idempotency_key="k2", platform="slack", workspace_id="T1",
                                       channel_id="C1", user_id=None, thread_id=None,
                                       visibility=Visibility.CHANNEL, text="export", attachments=(export,),
                                       buttons=(OutboundButton("OK", "a1"),))
        await h.adapter.send(channel_post)
        with pytest.raises(PermanentFailure):
            await h.adapter.send(message("slack", None, "U800", "gone", Attachment("a.csv", str(tmp_path / "no"))))
    first, second = h.fake.shared
    assert first["channel"] == h.fake.dm_channel("U800") and first["comment"] == "*Stats* du mois"
    assert first["files"] == ("stats.png", "members.csv") and first["contents"][0] == PNG
    assert second["channel"] == "C1" and second["comment"] is None and second["files"] == ("members.csv",)
    posted = [s for s in h.sent if s.channel == "C1"]
    assert [(s.text, s.action_ids) for s in posted] == [("export", ("a1",))]  # with buttons: a message first


async def test_discord_sends_files_as_multipart(database_url: str, engine: AsyncEngine, tmp_path: Path) -> None:
    chart, export = files(tmp_path)
    async with discord_harness(database_url, engine) as h:
        user = str(h.fake.names.id("U800"))
        adapter = h.app.adapters["discord"]
        await adapter.send(message("discord", None, user, "**Stats**", chart, export))
        with pytest.raises(PermanentFailure):
            await adapter.send(message("discord", None, user, "gone", Attachment("a.csv", str(tmp_path / "no"))))
        assert [(name, content) for _, name, content in h.fake.files] == [
            ("stats.png", PNG), ("members.csv", b"id,name\n1,Awa\n")]
        assert any(s.kind == "dm" and s.user == "U800" and "Stats" in s.text for s in h.sent)
