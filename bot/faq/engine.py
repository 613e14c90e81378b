"""The FAQ matching engine: which entry answers a question, and how sure it is.

Each entry contributes every phrasing it has (its question and the alternative phrasings facilitators add,
the more the better) and its answer. A question is compared with each phrasing, with the entry's phrasings
pooled and with its question and answer, through three views (words, character n-grams, static embeddings;
see bot.faq.text and bot.faq.semantic). An entry's score is the weighted mean of those similarities, and a
calibrated confidence (bot.faq.calibration) says whether the best entry should be given or the engine should
stay quiet.

Querying costs a handful of numpy operations whatever the FAQ's size: sparse postings summed with bincount,
one matrix-vector product for the embeddings, and the per-phrasing embedding comparison only for the few
best candidates. The engine is immutable, built from a list of entries in one go; the FAQ service rebuilds it
when a community's entries change.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.faq.calibration import confidence, feature_row
from bot.faq.index import Bm25Index, CosineIndex, FloatArray, IntArray
from bot.faq.semantic import Matrix, StaticEmbeddings
from bot.faq.settings import ANSWER_SIGNALS, DEFAULT_SETTINGS, SIGNALS, EngineSettings
from bot.faq.text import MAX_ANALYSED, Analyzer, fold

# How much of an answer is read: its opening says what it is about; a long procedure adds only noise.
MAX_ANSWER = 2000


@dataclass(frozen=True, slots=True)
class EntryText:
    """What the engine needs of an FAQ entry. `key` is the entry's stable id (returned by `match`)."""

    key: str
    question: str
    examples: tuple[str, ...] = ()
    lang: str | None = None
    answer: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    """The engine's answer. `key` is None when it abstains; `best` is the closest entry all the same (for
    knowledge gaps and "did you mean"), `candidates` the next ones, best first."""

    key: str | None
    confidence: float
    best: str | None
    candidates: tuple[Candidate, ...] = ()

    @property
    def answered(self) -> bool:
        return self.key is not None


@dataclass(frozen=True, slots=True)
class Scored:
    """Every entry's score for one question, the best entries first (`top`), and the calibration features
    of the best one (see bot.faq.calibration.FEATURES)."""

    scores: FloatArray
    top: IntArray
    features: list[float]


NO_MATCH = Match(key=None, confidence=0.0, best=None)


def _embedding_text(text: str, limit: int = MAX_ANALYSED) -> str:
    """Lower case but accents kept: the embedding's tokenizer knows accented words as they are written."""
    return unicodedata.normalize("NFC", text[:limit]).lower()


def _signal_weights(weights: Sequence[float]) -> tuple[FloatArray, FloatArray]:
    """The weights split into the signals every entry has and those only entries with an answer have."""
    mask = np.asarray([name in ANSWER_SIGNALS for name in SIGNALS])
    values = np.asarray(weights, dtype=np.float64)
    return np.where(mask, 0.0, values), np.where(mask, values, 0.0)


class FaqEngine:
    """Built once from a community's entries (see `build`); `match` is read-only and safe to share."""

    def __init__(self, *, keys: list[str], starts: IntArray, has_answer: npt.NDArray[np.bool_],
                 settings: EngineSettings, analyzer: Analyzer, phrasing_chars: CosineIndex,
                 entry_words: Bm25Index, entry_chars: CosineIndex, answer_words: Bm25Index,
                 embeddings: StaticEmbeddings | None,
                 phrasing_vectors: Matrix | None, entry_vectors: Matrix | None,
                 answer_vectors: Matrix | None) -> None:
        self.keys = keys
        self._starts = starts
        self._ends = np.append(starts[1:], np.int64(phrasing_chars.n_docs))
        self.settings = settings
        self._analyzer = analyzer
        self._phrasing_chars = phrasing_chars
        self._entry_words = entry_words
        self._entry_chars = entry_chars
        self._answer_words = answer_words
        self._embeddings = embeddings
        self._phrasing_vectors = phrasing_vectors
        self._entry_vectors = entry_vectors  # the centroid of each entry's phrasings
        self._answer_vectors = answer_vectors  # each entry's question and answer together
        weights = settings.weights if embeddings is not None else settings.lexical_weights
        self._weights = np.asarray(weights, dtype=np.float64)
        own, answer = _signal_weights(weights)
        # An entry's score is divided by the total weight of the signals it has.
        self._norm = np.where(has_answer, own.sum() + answer.sum(), own.sum())
        self._has_answer = has_answer
        self._uses_answers = bool(has_answer.any()) and bool(answer.sum())

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def build(cls, entries: Sequence[EntryText], *, analyzer: Analyzer | None = None,
              embeddings: StaticEmbeddings | None = None,
              settings: EngineSettings = DEFAULT_SETTINGS) -> FaqEngine:
        analyzer = analyzer or Analyzer(settings.ngram_min, settings.ngram_max)
        keys: list[str] = []
        starts: list[int] = []
        texts: list[str] = []
        answers: list[str] = []
        doc_chars: list[Counter[str]] = []
        pooled_words: list[list[str]] = []
        pooled_chars: list[Counter[str]] = []
        answer_words: list[list[str]] = []
        for entry in entries:
            phrasings = list(dict.fromkeys(p.strip() for p in (entry.question, *entry.examples) if p.strip()))
            if not phrasings:
                continue
            keys.append(entry.key)
            starts.append(len(texts))
            words: list[str] = []
            chars: Counter[str] = Counter()
            for phrasing in phrasings:
                folded = fold(phrasing)
                grams = analyzer.ngrams(folded)
                texts.append(phrasing)
                doc_chars.append(grams)
                words += analyzer.words(folded, entry.lang)
                chars.update(grams)
            pooled_words.append(words)
            pooled_chars.append(chars)
            answer = entry.answer.strip()[:MAX_ANSWER]
            answers.append(answer)
            answer_words.append(analyzer.words(fold(f"{phrasings[0]} {answer}", MAX_ANSWER), entry.lang)
                                if answer else [])
        k1, b = settings.bm25_k1, settings.bm25_b
        vectors: Matrix | None = None
        entry_vectors: Matrix | None = None
        answer_vectors: Matrix | None = None
        has_answer = np.asarray([bool(a) for a in answers], dtype=np.bool_)
        if embeddings is not None:
            vectors = embeddings.embed([_embedding_text(t) for t in texts])
            if keys:
                sums = np.add.reduceat(vectors, np.asarray(starts), axis=0)
                norms = np.linalg.norm(sums, axis=1, keepdims=True)
                centroids = (sums / np.where(norms > 0, norms, 1.0)).astype(np.float32)
            else:
                centroids = np.zeros((0, embeddings.dim), dtype=np.float32)
            entry_vectors = centroids
            answer_vectors = embeddings.embed([_embedding_text(f"{texts[s]} {a}", MAX_ANSWER) if a else ""
                                               for s, a in zip(starts, answers, strict=True)])
        phrasing_chars = CosineIndex(doc_chars)
        return cls(keys=keys, starts=np.asarray(starts, dtype=np.int64), has_answer=has_answer,
                   settings=settings, analyzer=analyzer, phrasing_chars=phrasing_chars,
                   entry_words=Bm25Index(pooled_words, k1, b),
                   entry_chars=CosineIndex(pooled_chars, phrasing_chars.vocabulary),
                   answer_words=Bm25Index(answer_words, k1, b), embeddings=embeddings,
                   phrasing_vectors=vectors, entry_vectors=entry_vectors, answer_vectors=answer_vectors)

    # --- querying -------------------------------------------------------------------------------------
    def score(self, question: str, lang: str | None = None) -> Scored | None:
        """Every entry's score for `question` and the calibration features of the best; None when there is
        nothing to compare (no entry, or nothing readable in the question)."""
        n = len(self.keys)
        folded = fold(question)
        if not n or not folded:
            return None
        w = self._weights
        words = self._analyzer.words(folded, lang)
        term_ids, counts, unknown = self._phrasing_chars.vocabulary.lookup(self._analyzer.ngrams(folded))
        # The per-phrasing and answer embeddings are first estimated by the centroid's (close to them as a
        # rule), then computed exactly for the best candidates below: one product per entry, not three.
        per_phrasing = self._phrasing_chars.score_ids(term_ids, counts, unknown)
        total = w[0] * np.maximum.reduceat(per_phrasing, self._starts)
        total += w[1] * self._entry_words.score(words)
        total += w[2] * self._entry_chars.score_ids(term_ids, counts, unknown)
        vector: Matrix | None = None
        meaning: FloatArray | None = None
        if self._embeddings is not None and self._entry_vectors is not None:
            vector = self._embeddings.embed([_embedding_text(question)])[0]
            # einsum rather than a BLAS call: one thread, steady latency on a busy machine.
            meaning = np.einsum("ij,j->i", self._entry_vectors, vector).astype(np.float64)
            total += (w[3] + w[4]) * meaning
            if self._uses_answers:
                total += w[6] * np.where(self._has_answer, meaning, 0.0)
        if self._uses_answers and w[5]:
            total += w[5] * self._answer_words.score(words)
        scores: FloatArray = total / self._norm
        count = min(max(self.settings.rescored, self.settings.candidates), n)
        top = np.argpartition(-scores, count - 1)[:count] if count < n else np.arange(n)
        if vector is not None and meaning is not None:
            exact = w[3] * (self._best_phrasing(top, vector) - meaning[top]) if w[3] else np.zeros(len(top))
            if self._uses_answers and self._answer_vectors is not None and w[6]:
                answered = self._has_answer[top]
                answer_meaning = np.einsum("ij,j->i", self._answer_vectors[top], vector)
                exact += w[6] * np.where(answered, answer_meaning - meaning[top], 0.0)
            scores[top] += exact / self._norm[top]
        top = top[np.argsort(-scores[top], kind="stable")]
        runner_up = float(scores[top[1]]) if len(top) > 1 else 0.0
        features = feature_row(scores, int(top[0]), runner_up, self.settings.temperature, self.settings.null)
        return Scored(scores=scores, top=top, features=features)

    def _best_phrasing(self, entries: IntArray, vector: Matrix) -> FloatArray:
        """For each of `entries`: the cosine of `vector` with its closest phrasing."""
        assert self._phrasing_vectors is not None
        starts, ends = self._starts[entries], self._ends[entries]
        lengths = ends - starts
        rows = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        similarities = np.einsum("ij,j->i", self._phrasing_vectors[rows], vector)
        offsets = np.cumsum(lengths) - lengths
        best: FloatArray = np.maximum.reduceat(similarities, offsets).astype(np.float64)
        return best

    def match(self, question: str, lang: str | None = None, threshold: float | None = None) -> Match:
        """The best entry and the confidence that it answers `question`; no entry (abstention) below
        `threshold` (the settings' default when None)."""
        scored = self.score(question, lang)
        if scored is None:
            return NO_MATCH
        best = int(scored.top[0])
        sure = confidence(scored.features, *self._calibration())
        cut = self.settings.threshold if threshold is None else threshold
        shown = scored.top[: self.settings.candidates]
        candidates = tuple(Candidate(self.keys[int(i)], round(float(scored.scores[i]), 4)) for i in shown)
        key = self.keys[best] if sure >= cut else None
        return Match(key=key, confidence=round(sure, 4), best=self.keys[best], candidates=candidates)

    def _calibration(self) -> tuple[float, tuple[float, ...]]:
        s = self.settings
        if self._embeddings is None:
            return s.lexical_intercept, s.lexical_coefficients
        return s.intercept, s.coefficients
