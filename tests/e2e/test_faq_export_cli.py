"""`agora faq export` as a facilitator runs it on the server: a real subprocess reading the bot's database,
every entry of the community out (the chat shows only the first ones), readable again by the import."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.faq import transfer
from bot.faq.store import EntryData, FaqStore
from bot.store.db import session_factory
from bot.store.models import AuditLog
from bot.store.uow import UnitOfWork
from tests.e2e.agora_cli import agora

NOW = datetime(2026, 3, 1, tzinfo=UTC)
# More than a chat message holds: the chat export stops at a few thousand characters.
ANSWER = " ".join(["Réponse « détaillée »."] * 20)
ENTRIES = [EntryData(key=f"entry-{i}", question=f"Question numéro {i} ?", answer=ANSWER,
                     examples=(f"autre façon {i}",), tags=("tag",), lang="fr") for i in range(40)]


async def _seed(engine: AsyncEngine) -> None:
    async with UnitOfWork(session_factory(engine)) as uow:
        community = await uow.directory.create("asso", "Asso", NOW, locale="fr")
        other = await uow.directory.create("autre", "Autre", NOW, locale="fr")
        await FaqStore(uow.session, community.id).upsert(ENTRIES, NOW)
        await FaqStore(uow.session, other.id).upsert([EntryData(key="ailleurs", question="Ailleurs ?")], NOW)


async def test_export_writes_every_entry_of_the_community(database_url: str, engine: AsyncEngine,
                                                          tmp_path: Path) -> None:
    await _seed(engine)

    result = await asyncio.to_thread(agora, "faq", "export", "--community", "asso", "--format", "jsonl",
                                     cwd=tmp_path, DATABASE_URL=database_url)

    assert result.returncode == 0, result.stderr.decode()
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["id"] for r in records] == [e.key for e in ENTRIES]
    assert len(result.stdout) > 3000
    assert records[3]["examples"] == ["autre façon 3"] and records[3]["answer"] == ENTRIES[3].answer
    async with engine.connect() as conn:
        actions = (await conn.execute(select(AuditLog.action, AuditLog.target))).all()
    assert ("faq.export", "jsonl") in [tuple(a) for a in actions]


async def test_export_to_a_file_reads_back_through_the_import(database_url: str, engine: AsyncEngine,
                                                              tmp_path: Path) -> None:
    await _seed(engine)
    out = tmp_path / "faq.yaml"

    result = await asyncio.to_thread(agora, "faq", "export", "--community", "asso", "--output", str(out),
                                     cwd=tmp_path, DATABASE_URL=database_url)

    assert result.returncode == 0, result.stderr.decode()
    parsed = transfer.parse(out.read_text(encoding="utf-8"), "yaml", default_lang="fr")
    assert parsed.entries == ENTRIES and not parsed.rejected


async def test_an_unknown_community_is_an_error(database_url: str, engine: AsyncEngine,
                                                tmp_path: Path) -> None:
    await _seed(engine)

    result = await asyncio.to_thread(agora, "faq", "export", "--community", "nowhere", cwd=tmp_path,
                                     DATABASE_URL=database_url)

    assert result.returncode == 1
    assert "nowhere" in result.stderr.decode() and not result.stdout
