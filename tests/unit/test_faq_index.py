"""The sparse indexes behind the FAQ engine give the scores their definitions say, computed the slow way
here: TF-IDF cosine for character n-grams, BM25 divided by the query's IDF mass for words."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from bot.faq.index import Bm25Index, CosineIndex

DOCS = [["pay", "dues", "card"], ["dues", "late", "fee", "fee"], ["event", "calendar"], [], ["pay", "event"]]


def _cosine_by_hand(docs: list[Counter[str]], query: Counter[str]) -> list[float]:
    n = len(docs)
    df = Counter(t for d in docs for t in d)
    unknown = math.log(1 + n) + 1

    def vector(bag: Counter[str]) -> dict[str, float]:
        v = {t: (1 + math.log(c)) * ((math.log((1 + n) / (1 + df[t])) + 1) if df[t] else unknown)
             for t, c in bag.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    q = vector(query)
    return [sum(q.get(t, 0.0) * x for t, x in vector(d).items()) for d in docs]


@pytest.mark.parametrize("query", [["dues", "fee", "fee"], ["pay", "unknown"], ["nothing"], []])
def test_cosine_index_matches_the_definition(query: list[str]) -> None:
    docs = [Counter(d) for d in DOCS]
    index = CosineIndex(docs)
    assert index.score(Counter(query)) == pytest.approx(_cosine_by_hand(docs, Counter(query)))


def test_two_indexes_can_share_a_vocabulary() -> None:
    per_phrasing = CosineIndex([Counter(d) for d in DOCS])
    pooled = CosineIndex([Counter(DOCS[0] + DOCS[1]), Counter(DOCS[2] + DOCS[4])], per_phrasing.vocabulary)
    alone = CosineIndex([Counter(DOCS[0] + DOCS[1]), Counter(DOCS[2] + DOCS[4])])
    query = Counter(["fee", "event", "event", "zzz"])
    assert pooled.score(query) == pytest.approx(alone.score(query))


def test_bm25_is_one_when_every_query_word_is_found_once_in_an_average_document() -> None:
    index = Bm25Index([["a", "b"], ["c", "d"], ["e", "f"]])
    scores = index.score(["a", "b"])
    assert scores[0] == pytest.approx(1.0) and scores[1] == scores[2] == 0.0
    assert 0.0 < index.score(["a", "unknown"])[0] < 0.5  # an unknown word weighs more than any known one


def test_bm25_matches_the_definition() -> None:
    index = Bm25Index(DOCS, k1=1.2, b=0.75)
    n, avg = len(DOCS), sum(map(len, DOCS)) / len(DOCS)
    df = Counter(t for d in DOCS for t in set(d))
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    query = ["fee", "dues"]
    expected = []
    for doc in DOCS:
        tf = Counter(doc)
        norm = 1.2 * (1 - 0.75 + 0.75 * len(doc) / avg)
        found = sum(idf[t] * tf[t] * 2.2 / (tf[t] + norm) for t in query if tf[t])
        expected.append(found / sum(idf[t] for t in query))
    assert index.score(query) == pytest.approx(np.asarray(expected))
