"""The FAQ service: one matching engine per community, built from the store and rebuilt when entries change.

The live bot and `agora eval faq` both get their engine from `FaqService.engine`, so what is evaluated is
exactly what answers members. Building runs in a worker thread (well under a second for a few hundred entries,
about three seconds for 5,000) so the event loop keeps serving other members meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.faq.engine import EntryText, FaqEngine, Match
from bot.faq.semantic import StaticEmbeddings, load_embeddings
from bot.faq.settings import DEFAULT_SETTINGS, EngineSettings
from bot.faq.store import EntryData, FaqStore
from bot.faq.text import Analyzer
from bot.store.faq_models import FaqEntry


@dataclass(frozen=True, slots=True)
class Answer:
    """A match with the entry it points to (None when the engine abstained) and the threshold applied."""

    match: Match
    entry: FaqEntry | None
    closest: FaqEntry | None
    threshold: float


def entry_texts(rows: Sequence[FaqEntry | EntryData]) -> list[EntryText]:
    return [EntryText(key=r.key, question=r.question, examples=tuple(r.examples or ()), lang=r.lang,
                      answer=r.answer or "") for r in rows]


class FaqService:
    """Holds the analyser, the static embeddings (loaded once, on first use) and each community's engine."""

    def __init__(self, settings: EngineSettings = DEFAULT_SETTINGS,
                 embeddings: Callable[[], StaticEmbeddings | None] = load_embeddings) -> None:
        self.settings = settings
        self.analyzer = Analyzer(settings.ngram_min, settings.ngram_max)
        self._load_embeddings = embeddings
        self._embeddings: StaticEmbeddings | None = None
        self._embeddings_loaded = False
        self._engines: dict[int, tuple[int, FaqEngine]] = {}
        self._lock = asyncio.Lock()

    def embeddings(self) -> StaticEmbeddings | None:
        if not self._embeddings_loaded:
            self._embeddings = self._load_embeddings()
            self._embeddings_loaded = True
        return self._embeddings

    def build(self, rows: Sequence[FaqEntry | EntryData]) -> FaqEngine:
        """The engine for these entries, with the service's analyser, embeddings and settings."""
        return FaqEngine.build(entry_texts(rows), analyzer=self.analyzer, embeddings=self.embeddings(),
                               settings=self.settings)

    async def engine(self, store: FaqStore) -> FaqEngine:
        """The community's engine, rebuilt if its entries changed since it was built (in any process)."""
        revision = await store.revision()
        cached = self._engines.get(store.community_id)
        if cached is not None and cached[0] == revision:
            return cached[1]
        async with self._lock:
            cached = self._engines.get(store.community_id)
            if cached is not None and cached[0] == revision:
                return cached[1]
            rows = await store.entries()
            engine = await asyncio.to_thread(self.build, rows)
            self._engines[store.community_id] = (revision, engine)
            return engine

    async def threshold(self, store: FaqStore) -> float:
        row = await store.settings()
        if row is not None and row.threshold is not None:
            return float(row.threshold)
        return self.settings.threshold

    async def ask(self, store: FaqStore, question: str, lang: str | None, *, strict: bool = False) -> Answer:
        """Match `question`; `strict` (questions spotted in channels) raises the bar to the channel threshold."""
        engine = await self.engine(store)
        threshold = await self.threshold(store)
        if strict:
            threshold = max(threshold, self.settings.channel_threshold)
        match = engine.match(question, lang, threshold=threshold)
        entry = await store.by_key(match.key) if match.key is not None else None
        closest = entry if entry is not None else (await store.by_key(match.best) if match.best else None)
        return Answer(match=match, entry=entry, closest=closest, threshold=threshold)
