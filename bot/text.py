"""Making untrusted text safe to process and store: what a member types can be anything."""

from __future__ import annotations

import re
import unicodedata

# Stored or echoed text is capped; the rest of a huge message is not needed by any feature.
MAX_TEXT = 4000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean_text(raw: str | None, limit: int = MAX_TEXT) -> str:
    """Return text that every database and platform accepts.

    NUL and other control characters are refused by PostgreSQL or break terminals; lone surrogates cannot be
    encoded to UTF-8 at all. Newlines and tabs are kept. Normalised to NFC so that accents compare equal.
    """
    if not raw:
        return ""
    text = _SURROGATE.sub("\ufffd", raw[: limit * 2])
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return text[:limit]


def strip_invisible(text: str) -> str:
    """Text without zero-width and bidirectional controls, for matching commands and keywords."""
    return _ZERO_WIDTH.sub("", text)
