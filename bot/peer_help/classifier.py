"""Which sector a question belongs to: the FAQ's matching engine (bot.faq.engine), with each sector as an
"entry" whose phrasings are its names and example questions and whose "answer" is its description.

Why the FAQ engine: it already combines the three views that suit short member questions (word stems with
BM25, character n-grams for typos and French/English morphology, static embeddings for paraphrases), in both
languages, offline, in microseconds per question. Routing needs no calibration or abstention (the asker
confirms the sector with a button), so only the ranking is used: the best sector first.

"Improved by past routed requests": questions whose sector the asker confirmed (and that reached an expert)
are added as examples of that sector (bounded, newest first), so the classifier learns the community's own
wording. OpenAI is not used here: the asker's one-click confirmation makes a cheap local guess good enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.faq.engine import EntryText, FaqEngine
from bot.faq.semantic import StaticEmbeddings, load_embeddings
from bot.faq.settings import DEFAULT_SETTINGS
from bot.faq.text import Analyzer

# Past questions kept per sector as extra examples: enough to learn the wording, bounded so one busy sector
# does not drown the others.
LEARNED_PER_SECTOR = 200


@dataclass(frozen=True, slots=True)
class SectorText:
    """What the classifier reads of a sector. `key` is returned by `classify` (the slug)."""

    key: str
    names: tuple[str, ...]
    description: str = ""
    examples: tuple[str, ...] = ()
    learned: tuple[str, ...] = ()
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Guess:
    """The sectors, best first, with their scores (0..1, comparable within one question only)."""

    ranked: tuple[tuple[str, float], ...] = ()

    @property
    def best(self) -> str | None:
        return self.ranked[0][0] if self.ranked else None


@dataclass
class SectorClassifier:
    """Built once from a community's sectors; `classify` is read-only and safe to share between tasks."""

    engine: FaqEngine
    fingerprint: tuple[object, ...] = field(default=())

    @classmethod
    def build(cls, sectors: Sequence[SectorText], *, analyzer: Analyzer | None = None,
              embeddings: StaticEmbeddings | None = None) -> SectorClassifier:
        entries = []
        for sector in sectors:
            phrasings = [*sector.names[1:], *sector.examples, *sector.learned[:LEARNED_PER_SECTOR]]
            first = sector.names[0] if sector.names else (phrasings[0] if phrasings else "")
            entries.append(EntryText(key=sector.key, question=first, examples=tuple(phrasings), lang=sector.lang,
                                     answer=sector.description))
        engine = FaqEngine.build(entries, analyzer=analyzer, embeddings=embeddings, settings=DEFAULT_SETTINGS)
        return cls(engine=engine, fingerprint=fingerprint(sectors))

    def classify(self, text: str, lang: str | None = None) -> Guess:
        scored = self.engine.score(text, lang)
        if scored is None:
            return Guess()
        return Guess(tuple((self.engine.keys[int(i)], round(float(scored.scores[i]), 4)) for i in scored.top))


def fingerprint(sectors: Sequence[SectorText]) -> tuple[object, ...]:
    """What identifies a build: the classifier is rebuilt when any of it changes."""
    return tuple((s.key, s.names, s.description, len(s.examples), hash(s.examples), len(s.learned),
                  s.learned[:1]) for s in sectors)


class Classifiers:
    """One classifier per community, rebuilt when its sectors or learned examples change. Holds the analyser
    and the static embeddings (loaded once, on first use). One per app (services.extras), no global."""

    def __init__(self, embeddings: StaticEmbeddings | None = None, *, load: bool = True) -> None:
        self.analyzer = Analyzer(DEFAULT_SETTINGS.ngram_min, DEFAULT_SETTINGS.ngram_max)
        self._embeddings = embeddings
        self._loaded = embeddings is not None or not load
        self._cache: dict[int, SectorClassifier] = {}

    def embeddings(self) -> StaticEmbeddings | None:
        if not self._loaded:
            self._embeddings = load_embeddings()
            self._loaded = True
        return self._embeddings

    def for_sectors(self, community_id: int, sectors: Sequence[SectorText]) -> SectorClassifier:
        cached = self._cache.get(community_id)
        if cached is not None and cached.fingerprint == fingerprint(sectors):
            return cached
        built = SectorClassifier.build(sectors, analyzer=self.analyzer, embeddings=self.embeddings())
        self._cache[community_id] = built
        return built
