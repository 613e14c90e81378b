"""Comparing what people type with what is stored, the way people expect: "batiment" finds "Bâtiment",
"ILE DE FRANCE" finds "Île-de-France". Done in Python so SQLite and PostgreSQL answer alike."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-_'’/.,;:]+")


def fold(text: str) -> str:
    """Lower case, accents and punctuation between words removed, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


def has_word_characters(text: str) -> bool:
    """At least one letter or digit: emoji, punctuation and symbols alone are not an answer."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
