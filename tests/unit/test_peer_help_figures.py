"""What peer help gives other features (figures for `/agora stats`, the CSV table, nudge items) and how the
classifier learns from past routed requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.contributions import Contributions
from bot.peer_help.classifier import SectorClassifier, SectorText
from bot.peer_help.figures import figures, nudge_items, per_sector, requests_table
from bot.testing import BotTester
from tests.unit.test_peer_help_support import attempts, find, member_id, requests, setup_community

EXPERTS = {"bob": ("batiment", "fr"), "nora": ("numerique", "fr"), "ed": ("batiment", "en")}


@pytest.fixture
async def bot(database_url: str, engine: AsyncEngine, clock: ManualClock) -> AsyncIterator[BotTester]:
    async with BotTester.create(database_url, clock=clock, engine=engine) as tester:
        await setup_community(tester, EXPERTS, members=("alice",))
        yield tester


async def _open(bot: BotTester, question: str) -> list:  # type: ignore[type-arg]
    out = await bot.command("peer", question, as_="alice")
    return await bot.click(find(out, "Oui, Bâtiment et travaux"), as_="alice")


async def test_figures_table_and_nudge_items(bot: BotTester, clock: ManualClock) -> None:
    start = clock.now()
    out = await _open(bot, "Comment isoler une maison ancienne ?")
    await _open(bot, "Quel plombier pour une fuite d'eau ?")
    clock.advance(hours=2)
    claimed = await bot.click(find(out, "Je m'en occupe", "bob"), as_="bob")
    await bot.click(find(claimed, "C'est résolu", "alice"), as_="alice")
    contributions = Contributions.of(bot.app.services)
    assert figures in contributions.figures and requests_table in contributions.tables
    assert nudge_items in contributions.nudge_sources and any(t.job == "help" for t in contributions.ticks)

    async with bot.app.services.sessions() as session:
        got = {f.key: f.value for f in await figures(session, 1, start, clock.now() + timedelta(seconds=1))}
        assert got == {"help.opened": 2.0, "help.claimed": 1.0, "help.resolved": 1.0, "help.hours_to_claim": 2.0,
                       "help.resolution_rate": 0.5}
        empty = {f.key: f.value for f in await figures(session, 1, start - timedelta(days=9), start)}
        assert empty["help.opened"] == 0 and empty["help.resolution_rate"] is None
        sectors = await per_sector(session, 1, start, clock.now() + timedelta(seconds=1))
        assert list(sectors) == ["batiment"]
        table = await requests_table(session, 1)
        assert table.name == "help_requests" and len(table.rows) == 2
        assert not any("isoler" in str(v) or "plombier" in str(v) for row in table.rows for v in row)
        assert [row[2] for row in table.rows] == ["resolved", "open"]
        ids = [await member_id(bot, n) for n in ("bob", "nora", "ed", "alice")]
        items = await nudge_items(session, 1, ids, start, clock.now())
    [req] = [r for r in await requests(bot) if r.status == "open"]
    bob, nora, ed, alice = ids
    assert [i.ref for i in items[bob]] == [str(req.id)] and items[bob][0].kind == "help_request"
    assert nora not in items and ed not in items and alice not in items  # other sector, other language, asker
    assert "bob" in await attempts(bot, req.id)


def test_past_routed_requests_teach_the_classifier() -> None:
    sectors = [SectorText("garden", ("Garden",), examples=("how to plant roses", "lawn mowing tips")),
               SectorText("legal", ("Legal",), examples=("how to write a contract", "labour law question"))]
    question = "hedge trimming regulations with the neighbour"
    before = SectorClassifier.build(sectors).classify(question, "en")
    learned = [sectors[0], SectorText("legal", ("Legal",), examples=sectors[1].examples,
                                      learned=("hedge trimming neighbour dispute regulations",))]
    after = SectorClassifier.build(learned).classify(question, "en")
    assert after.best == "legal"
    assert dict(after.ranked)["legal"] > dict(before.ranked)["legal"]
