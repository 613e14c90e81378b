"""Sparse term-document matrices over numpy arrays: a query touches only the postings of its own terms.

Each index stores its postings in compressed rows (one row of document ids and weights per term, all rows
in two flat arrays). A query looks each of its terms up once in a vocabulary, gathers the rows of the terms
it has with one vectorised index, and sums them per document with `numpy.bincount`: no Python loop over
documents or postings, so a question costs well under a millisecond even with tens of thousands of documents.

- `Bm25Index` over word stems, with scores divided by the query's own IDF mass, so that 1.0 means every
  query word was found and words the FAQ never uses pull the score down (a sign the question is elsewhere);
- `CosineIndex` over character n-grams, TF-IDF weighted and L2-normalised: the cosine in [0, 1]. Two such
  indexes over the same features (per phrasing and per entry) can share one `Vocabulary`, so a query's
  n-grams are looked up once for both.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def posting_cap(n_docs: int) -> int:
    """The longest posting list kept. A feature found in thousands of documents (" de", "the ") tells them
    apart no better than a stop word, yet would dominate the cost of every query in a large FAQ; below 2,000
    documents nothing is dropped. A dropped feature still counts in the query's norm."""
    return max(2000, n_docs // 20)


class Vocabulary:
    """term -> dense id, grown while indexes are built and read-only afterwards."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def lookup(self, features: Mapping[str, float]) -> tuple[IntArray, FloatArray, FloatArray]:
        """The ids and values of the known features, and the values of the unknown ones."""
        known_ids: list[int] = []
        known: list[float] = []
        unknown: list[float] = []
        get = self.ids.get
        for term, value in features.items():
            term_id = get(term)
            if term_id is None:
                unknown.append(value)
            else:
                known_ids.append(term_id)
                known.append(value)
        return (np.asarray(known_ids, dtype=np.int64), np.asarray(known, dtype=np.float64),
                np.asarray(unknown, dtype=np.float64))


class _Postings:
    """Compressed rows: term id -> (document ids, weights), with over-common terms left empty."""

    def __init__(self, n_docs: int, n_terms: int, terms: IntArray, docs: IntArray,
                 weights: FloatArray) -> None:
        self.n_docs = n_docs
        keep = np.bincount(terms, minlength=n_terms)[terms] <= posting_cap(n_docs)
        terms, docs, weights = terms[keep], docs[keep], weights[keep]
        order = np.argsort(terms, kind="stable")
        self._docs = docs[order]
        self._weights = weights[order]
        lengths = np.bincount(terms, minlength=n_terms)
        self._indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)

    def accumulate(self, term_ids: IntArray, query_weights: FloatArray) -> FloatArray:
        """sum over the query's terms of query weight x document weight, for every document."""
        starts = self._indptr[term_ids]
        lengths = self._indptr[term_ids + 1] - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(self.n_docs)
        offsets = np.cumsum(lengths) - lengths
        rows = np.repeat(starts - offsets, lengths) + np.arange(total)
        weights = self._weights[rows] * np.repeat(query_weights, lengths)
        summed: FloatArray = np.bincount(self._docs[rows], weights=weights,
                                         minlength=self.n_docs).astype(np.float64, copy=False)
        return summed


def _flatten(docs: Sequence[Sequence[str] | Mapping[str, int]],
             vocabulary: Vocabulary) -> tuple[IntArray, IntArray, FloatArray]:
    """Every (term id, document id, term frequency) of `docs`, as three flat arrays; new terms are added to
    `vocabulary`."""
    ids = vocabulary.ids
    names: list[str] = []
    counts: list[int] = []
    sizes: list[int] = []
    for doc in docs:
        bag = doc if isinstance(doc, Mapping) else Counter(doc)
        names.extend(bag)
        counts.extend(bag.values())
        sizes.append(len(bag))
    for term in dict.fromkeys(names):  # new terms get the next ids, in order of appearance
        ids.setdefault(term, len(ids))
    terms = np.fromiter(map(ids.__getitem__, names), dtype=np.int64, count=len(names))
    owners = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    return terms, owners, np.asarray(counts, dtype=np.float64)


class Bm25Index:
    """Okapi BM25 over token lists. `score` returns, per document, BM25 / (sum of the query terms' IDF)."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        n = len(docs)
        self.n_docs = n
        lengths = [len(doc) for doc in docs]
        avg = (sum(lengths) / n) if n and sum(lengths) else 1.0
        self.vocabulary = Vocabulary()
        terms, docs_of, tfs = _flatten(docs, self.vocabulary)
        df = np.bincount(terms, minlength=len(self.vocabulary)).astype(np.float64)
        # The "plus one" IDF (as in Lucene) stays positive for terms found in most documents.
        self._idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        self.unknown_idf = math.log(1.0 + (n + 0.5) / 0.5)  # a word never seen is rarer than any seen one
        norms = k1 * (1.0 - b + b * np.asarray(lengths, dtype=np.float64) / avg)
        weights = self._idf[terms] * tfs * (k1 + 1.0) / (tfs + norms[docs_of])
        self._postings = _Postings(n, len(self.vocabulary), terms, docs_of, weights)

    def score(self, tokens: Sequence[str]) -> FloatArray:
        term_ids, _, unknown = self.vocabulary.lookup(dict.fromkeys(tokens, 1.0))
        mass = float(self._idf[term_ids].sum()) + len(unknown) * self.unknown_idf
        if mass <= 0 or not len(term_ids):
            return np.zeros(self.n_docs)
        return self._postings.accumulate(term_ids, np.ones(len(term_ids))) / mass


class CosineIndex:
    """TF-IDF cosine similarity over bags of features (character n-grams), with sublinear term frequency.
    `vocabulary` may be shared with another index over the same features (see `score_ids`)."""

    def __init__(self, docs: Sequence[Mapping[str, int]], vocabulary: Vocabulary | None = None) -> None:
        n = len(docs)
        self.n_docs = n
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary()
        terms, docs_of, tfs = _flatten(docs, self.vocabulary)
        n_terms = len(self.vocabulary)
        df = np.bincount(terms, minlength=n_terms).astype(np.float64)
        self.unknown_idf = math.log(1.0 + n) + 1.0
        # Features of a shared vocabulary that these documents never use weigh as much as unknown ones.
        self._idf = np.where(df > 0, np.log((1.0 + n) / (1.0 + df)) + 1.0, self.unknown_idf)
        values = (1.0 + np.log(np.maximum(tfs, 1.0))) * self._idf[terms]
        lengths = np.sqrt(np.bincount(docs_of, weights=values * values, minlength=n))
        weights = values / np.where(lengths > 0, lengths, 1.0)[docs_of]
        self._postings = _Postings(n, n_terms, terms, docs_of, weights)

    def score(self, features: Mapping[str, int]) -> FloatArray:
        term_ids, counts, unknown = self.vocabulary.lookup(features)
        return self.score_ids(term_ids, counts, unknown)

    def score_ids(self, term_ids: IntArray, counts: FloatArray, unknown: FloatArray) -> FloatArray:
        """The cosine of every document with the query whose known features are `term_ids` (counted
        `counts` times) and whose unknown ones are counted `unknown` times: these weigh in its length only."""
        if not len(term_ids):
            return np.zeros(self.n_docs)
        values = (1.0 + np.log(counts)) * self._idf[term_ids]
        unseen = (1.0 + np.log(unknown)) * self.unknown_idf if len(unknown) else np.zeros(0)
        length = math.sqrt(float(values @ values) + float(unseen @ unseen)) or 1.0
        return self._postings.accumulate(term_ids, values / length)
