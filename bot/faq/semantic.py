"""Static sentence embeddings, offline: the WordLlama token table that ships inside the `wordllama` wheel.

Words alone miss paraphrases ("get rid of my account" for "delete my account"). A static embedding (one
256-dimension vector per sub-word token, averaged over the text) catches many of them at the cost of a table
lookup and a mean: no neural network runs, nothing is downloaded, a query embeds in microseconds.

The files are read straight from the installed package (its weights and tokenizer), without importing
`wordllama` itself, whose import reconfigures the root logger and whose loader tries the network. When the
package is missing the engine simply runs on words and character n-grams (`load_embeddings` returns None).
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger("agora.faq")

Matrix = npt.NDArray[np.float32]
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"


class StaticEmbeddings:
    """Text -> unit vector: the mean of its tokens' vectors. Thread-safe to share (read-only after load)."""

    def __init__(self, table: Matrix, tokenizer: object) -> None:
        self._table = table
        self._tokenizer = tokenizer
        self.dim = int(table.shape[1])

    def embed(self, texts: Sequence[str]) -> Matrix:
        """One L2-normalised row per text; a text with no token gets a zero row (similar to nothing)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)  # type: ignore[attr-defined]
        for row, encoding in enumerate(encodings):
            ids = encoding.ids
            if not ids:
                continue
            vector = self._table[ids].mean(axis=0)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                out[row] = vector / norm
        return out


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, found without importing (and so without running) it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def load_embeddings() -> StaticEmbeddings | None:
    """The shipped table and tokenizer, or None (and one log line) when they cannot be read."""
    folder = _package_dir("wordllama")
    if folder is None or not (folder / WEIGHTS).exists() or not (folder / TOKENIZER).exists():
        log.info("faq: static embeddings not installed; matching on words and character n-grams only")
        return None
    try:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
    except ImportError:
        log.info("faq: safetensors or tokenizers missing; matching without static embeddings")
        return None
    table = load_file(str(folder / WEIGHTS))["embedding.weight"].astype(np.float32)
    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return StaticEmbeddings(table, tokenizer)
