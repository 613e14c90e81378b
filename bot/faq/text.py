"""From what a member typed to what the index compares: folded text, word stems and character n-grams.

Members write fast: "ou est le resto ?" for "Où se trouve le restaurant ?", "cotisation" for "cotisations",
"memebrship" for "membership". Three layers absorb that, and each is cheap enough to run on every message:
- folding: lower case, accents removed (é -> e, œ -> oe), typographic apostrophes made plain, French elisions
  (l', d', qu', j' ...) and English contractions ('s, n't) cut off, so "l'adhésion" and "adhesion" agree;
- words: function words dropped, the rest stemmed with Snowball for the text's language (plurals and
  conjugations: "reportés" and "reporter" share "report");
- character n-grams (3 to 5 characters inside word boundaries): typos, informal shortenings and compound
  words still share most of their n-grams with the right entry.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import snowballstemmer  # type: ignore[import-untyped]

from bot.faq.stopwords import ENGLISH, FRENCH

# Only the start of a very long message is read: a question is never 20,000 characters long, and analysing
# less keeps the answer fast whatever is pasted.
MAX_ANALYSED = 1000
LANGUAGES = ("fr", "en")

_APOSTROPHES = re.compile(r"[\u2019\u2018\u02bc\u00b4`\u2032]")
_FRENCH_ELISION = re.compile(r"\b(?:qu|jusqu|lorsqu|puisqu|quoiqu|presqu|[ldjmnstc])'(?=\w)")
_ENGLISH_NOT = re.compile(r"\b(do|does|did|is|are|was|were|have|has|had|could|would|should|ca|wo)n't\b")
_NOT_STEMS = {"ca": "can", "wo": "will"}
_ENGLISH_CLITIC = re.compile(r"'(?:s|re|ve|ll|d|m)\b")
_WORD = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})


def fold(text: str, limit: int = MAX_ANALYSED) -> str:
    """Lower case, no accents, plain apostrophes, elisions and contractions removed, one space between words;
    only the first `limit` characters are read."""
    text = unicodedata.normalize("NFKC", text[:limit]).lower().translate(_LIGATURES)
    text = _APOSTROPHES.sub("'", text)
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = _ENGLISH_NOT.sub(lambda m: f"{_NOT_STEMS.get(m.group(1), m.group(1))} not", text)
    text = _FRENCH_ELISION.sub("", text)
    text = _ENGLISH_CLITIC.sub("", text)
    return " ".join(_WORD.findall(text))


def guess_language(words: list[str], hint: str | None = None) -> str:
    """"fr" or "en" from the function words a text uses; `hint` (the member's or the entry's language) settles
    short texts that have none, such as a single keyword."""
    fr = sum(1 for w in words if w in FRENCH and w not in ENGLISH)
    en = sum(1 for w in words if w in ENGLISH and w not in FRENCH)
    if fr > en:
        return "fr"
    if en > fr:
        return "en"
    return hint if hint in LANGUAGES else "fr"


class Analyzer:
    """Turns text into word stems and character n-grams. Holds the stemmers and a cache of stems (stemming in
    pure Python costs tens of microseconds a word; a community's vocabulary is small and repeats)."""

    def __init__(self, ngram_min: int = 3, ngram_max: int = 5, cache_size: int = 200_000) -> None:
        self.ngram_min = ngram_min
        self.ngram_max = ngram_max
        self._stemmers = {"fr": snowballstemmer.stemmer("french"), "en": snowballstemmer.stemmer("english")}
        self._stopwords = {"fr": FRENCH, "en": ENGLISH}
        self._cache: dict[tuple[str, str], str] = {}
        self._cache_size = cache_size

    def stem(self, word: str, lang: str) -> str:
        key = (lang, word)
        found = self._cache.get(key)
        if found is None:
            found = self._stemmers[lang].stemWord(word) if len(word) > 3 else word
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[key] = found
        return found

    def words(self, folded: str, hint: str | None = None) -> list[str]:
        """The stems of the meaningful words of already-folded text."""
        raw = folded.split()
        lang = guess_language(raw, hint)
        stop = self._stopwords[lang]
        kept = [w for w in raw if w not in stop]
        if not kept:  # a question made only of function words ("how do I?"): keep them rather than nothing
            kept = raw
        return [self.stem(w, lang) for w in kept]

    def ngrams(self, folded: str) -> Counter[str]:
        """Character n-grams of each word padded with spaces, so that n-grams do not span two words."""
        lo, hi = self.ngram_min, self.ngram_max
        return Counter([padded[i : i + n]
                        for padded in (f" {word} " for word in folded.split())
                        for n in range(lo, min(hi, len(padded)) + 1)
                        for i in range(len(padded) - n + 1)])
