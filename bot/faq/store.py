"""The FAQ's repository: entries, settings, answers given and knowledge gaps of one community.

Every change to entries bumps the community's FAQ revision in the same transaction, so each process rebuilds
its engine when (and only when) the entries it was built from have changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.faq_models import FaqAnswer, FaqEntry, FaqGap, FaqSettings

MAX_GAP_TEXT = 500  # a gap keeps the start of the question: enough to understand it, not a whole essay


@dataclass(frozen=True, slots=True)
class EntryData:
    """An entry as imported, exported and edited: plain values, no database identity."""

    key: str
    question: str
    answer: str = ""
    examples: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    sector: str | None = None
    lang: str = "fr"

    @classmethod
    def of(cls, row: FaqEntry) -> EntryData:
        return cls(key=row.key, question=row.question, answer=row.answer, examples=tuple(row.examples or ()),
                   tags=tuple(row.tags or ()), sector=row.sector, lang=row.lang)


class FaqStore:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    # --- entries ---------------------------------------------------------------------------------------
    async def entries(self) -> list[FaqEntry]:
        stmt = select(FaqEntry).where(FaqEntry.community_id == self.community_id).order_by(FaqEntry.id)
        return list((await self.session.execute(stmt)).scalars())

    async def count(self) -> int:
        stmt = select(func.count()).select_from(FaqEntry).where(FaqEntry.community_id == self.community_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def by_key(self, key: str) -> FaqEntry | None:
        stmt = select(FaqEntry).where(FaqEntry.community_id == self.community_id, FaqEntry.key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_id(self, entry_id: int) -> FaqEntry | None:
        stmt = select(FaqEntry).where(FaqEntry.community_id == self.community_id, FaqEntry.id == entry_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def keys(self) -> dict[str, int]:
        stmt = select(FaqEntry.key, FaqEntry.id).where(FaqEntry.community_id == self.community_id)
        return {key: entry_id for key, entry_id in (await self.session.execute(stmt)).all()}

    async def upsert(self, items: Sequence[EntryData], now: datetime) -> tuple[int, int]:
        """Add new entries and replace those whose key exists; returns (added, updated). New rows go in one
        executemany (imports of thousands of entries stay fast)."""
        existing = await self.keys()
        fresh: list[dict[str, object]] = []
        updated = 0
        for item in items:
            values = {"question": item.question, "answer": item.answer, "examples": list(item.examples),
                      "tags": list(item.tags), "sector": item.sector, "lang": item.lang, "updated_at": now}
            if item.key in existing:
                await self.session.execute(update(FaqEntry).where(FaqEntry.id == existing[item.key]).values(**values))
                updated += 1
            else:
                existing[item.key] = -1
                fresh.append({"community_id": self.community_id, "key": item.key, "created_at": now, **values})
        if fresh:
            await self.session.execute(insert(FaqEntry), fresh)
        if fresh or updated:
            await self.bump(now)
        return len(fresh), updated

    async def remove(self, key: str, now: datetime) -> bool:
        result = await self.session.execute(
            delete(FaqEntry).where(FaqEntry.community_id == self.community_id, FaqEntry.key == key))
        removed = bool(getattr(result, "rowcount", 0))
        if removed:
            await self.bump(now)
        return removed

    async def add_example(self, key: str, example: str, now: datetime) -> bool:
        entry = await self.by_key(key)
        if entry is None:
            return False
        if example not in (entry.examples or []):
            entry.examples = [*(entry.examples or []), example]
            entry.updated_at = now
            await self.bump(now)
        return True

    # --- settings and revision -------------------------------------------------------------------------
    async def settings(self) -> FaqSettings | None:
        return await self.session.get(FaqSettings, self.community_id)

    async def _settings_row(self, now: datetime) -> FaqSettings:
        row = await self.settings()
        if row is None:
            row = FaqSettings(community_id=self.community_id, revision=0, threshold=None, spot_channels=[],
                              updated_at=now)
            self.session.add(row)
            await self.session.flush()
        return row

    async def revision(self) -> int:
        stmt = select(FaqSettings.revision).where(FaqSettings.community_id == self.community_id)
        found = (await self.session.execute(stmt)).scalar_one_or_none()
        return int(found or 0)

    async def bump(self, now: datetime) -> None:
        row = await self._settings_row(now)
        row.revision = (row.revision or 0) + 1
        row.updated_at = now
        await self.session.flush()

    async def set_threshold(self, threshold: float | None, now: datetime) -> None:
        row = await self._settings_row(now)
        row.threshold, row.updated_at = threshold, now

    async def set_spotting(self, channel: str, on: bool, now: datetime) -> None:
        row = await self._settings_row(now)
        channels = [c for c in (row.spot_channels or []) if c != channel]
        row.spot_channels = [*channels, channel] if on else channels
        row.updated_at = now

    # --- answers and gaps ------------------------------------------------------------------------------
    async def record_answer(self, entry_id: int, member_id: int | None, confidence: float, now: datetime) -> int:
        row = FaqAnswer(community_id=self.community_id, entry_id=entry_id, member_id=member_id,
                        confidence=confidence, helpful=None, ts=now)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def answer(self, answer_id: int) -> FaqAnswer | None:
        stmt = select(FaqAnswer).where(FaqAnswer.community_id == self.community_id, FaqAnswer.id == answer_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def record_gap(self, question: str, *, lang: str | None, reason: str, member_id: int | None,
                         closest_entry_id: int | None, confidence: float, now: datetime) -> None:
        self.session.add(FaqGap(community_id=self.community_id, question=question[:MAX_GAP_TEXT], lang=lang,
                                reason=reason, member_id=member_id, closest_entry_id=closest_entry_id,
                                confidence=confidence, created_at=now, resolved_at=None))
        await self.session.flush()

    async def open_gaps(self, limit: int = 2000) -> list[FaqGap]:
        stmt = (select(FaqGap).where(FaqGap.community_id == self.community_id, FaqGap.resolved_at.is_(None))
                .order_by(FaqGap.id.desc()).limit(limit))
        return list((await self.session.execute(stmt)).scalars())

    async def resolve_gaps(self, gap_ids: Sequence[int], now: datetime) -> None:
        if gap_ids:
            await self.session.execute(
                update(FaqGap).where(FaqGap.community_id == self.community_id, FaqGap.id.in_(list(gap_ids)))
                .values(resolved_at=now))
