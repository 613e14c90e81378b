"""The engine's settings: one set for every community and every language.

The weights and the calibration were fitted once on pooled, labelled FAQ sets in French and English (several
wordings, with out-of-scope questions) and checked by leaving each set out in turn (see docs/faq.md and
`python -m bench faq_cv`). Nothing here is specific to one data set; a community tunes only its threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The similarity signals, in the order of EngineSettings.weights.
SIGNALS = (
    "chars_best",  # character n-gram cosine against the entry's closest phrasing (question or example)
    "words_all",  # BM25 against all the entry's phrasings pooled (words spread over several examples)
    "chars_all",  # character n-gram cosine against all phrasings pooled
    "meaning_best",  # static embedding cosine against the closest phrasing (computed for the top candidates)
    "meaning_all",  # static embedding cosine against the centroid of the phrasings
    "answer_words",  # BM25 against the question and its answer (entries that have an answer)
    "answer_meaning",  # static embedding cosine against the question and its answer
)
# The signals an entry without an answer cannot give: its score is the weighted mean of the others.
ANSWER_SIGNALS = frozenset({"answer_words", "answer_meaning"})


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """How candidates are scored and how sure the engine is of the best one."""

    # An entry's score is the weighted mean of its signals (over those it has), so it stays in [0, 1]
    # whatever the FAQ holds and one calibration fits FAQs with and without answers.
    weights: tuple[float, ...] = (0.2, 0.2, 0.3, 0.2, 0.8, 0.3, 0.6)
    # Used instead of `weights` when the static embeddings are not installed.
    lexical_weights: tuple[float, ...] = (0.3, 0.35, 0.35, 0.0, 0.0, 0.3, 0.0)
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    ngram_min: int = 3
    ngram_max: int = 5
    # The softmax temperature of the "how far ahead of the whole field" feature (bot.faq.calibration).
    temperature: float = 0.02
    # ... and the score of the "none of these" rival in that softmax.
    null: float = 0.2
    # Confidence = sigmoid(intercept + sum(coef * feature)); features: see bot.faq.calibration.FEATURES.
    intercept: float = -2.2504
    coefficients: tuple[float, ...] = field(default=(2.8317, 0.2207, 0.3348))
    # The same, fitted without the static embeddings.
    lexical_intercept: float = -1.1371
    lexical_coefficients: tuple[float, ...] = field(default=(0.5206, 0.2701, 0.2411))
    # Below this confidence the engine abstains. Communities may set their own (FaqSettings.threshold).
    threshold: float = 0.32
    # Spotting questions in channels (opt-in) answers only above this stricter confidence.
    channel_threshold: float = 0.8
    # Entries returned as candidates, and entries re-scored against each of their phrasings' vectors.
    candidates: int = 5
    rescored: int = 32


DEFAULT_SETTINGS = EngineSettings()
