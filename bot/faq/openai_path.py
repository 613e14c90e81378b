"""The optional OpenAI path: a short answer composed from the matched entries only, citing them.

Used only when OPENAI_API_KEY is set (OPENAI_BASE_URL points at a self-hosted OpenAI-compatible server). The
`openai` package is imported on first use, never at start-up. The offline engine has already chosen the
entries; the model only rewrites their answers for the member's question and language. A timeout, an error,
or an empty or uncited reply returns None and the member gets the entry's own answer: they never notice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("agora.faq.openai")

SYSTEM = (
    "You answer members of a professional association using ONLY the FAQ entries given. Answer in {language}, "
    "in at most three sentences, and cite the entries you used as [1], [2]. If the entries do not answer the "
    "question, reply exactly: NONE."
)
LANGUAGES = {"fr": "French", "en": "English"}


@dataclass(frozen=True, slots=True)
class Source:
    question: str
    answer: str


class AnswerComposer:
    """Composes grounded answers through an OpenAI-compatible chat API, with a hard timeout."""

    def __init__(self, api_key: str, base_url: str | None = None, model: str = "gpt-4o-mini",
                 timeout: float = 4.0) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self.model = model
        self.timeout = timeout
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            from openai import AsyncOpenAI  # imported only when configured (about 50 MiB)

            self._client = AsyncOpenAI(api_key=self._api_key, base_url=self._base_url, timeout=self.timeout,
                                       max_retries=0)
        return self._client

    async def compose(self, question: str, sources: Sequence[Source], lang: str) -> str | None:
        if not sources:
            return None
        listing = "\n\n".join(f"[{i}] Q: {s.question}\nA: {s.answer}" for i, s in enumerate(sources, start=1))
        messages = [
            {"role": "system", "content": SYSTEM.format(language=LANGUAGES.get(lang, "French"))},
            {"role": "user", "content": f"FAQ entries:\n{listing}\n\nMember's question: {question}"},
        ]
        try:
            response = await self._get_client().chat.completions.create(
                model=self.model, messages=messages, max_tokens=300, temperature=0.2)
            text = (response.choices[0].message.content or "").strip()
        except Exception as exc:  # any failure falls back to the offline answer
            log.warning("faq: composed answer unavailable, offline answer used",
                        extra={"error": type(exc).__name__})
            return None
        if not text or text.upper().startswith("NONE") or "[" not in text:
            return None
        return text[:1500]


def composer_from_settings(api_key: str | None, base_url: str | None, model: str | None = None,
                           timeout: float = 4.0) -> AnswerComposer | None:
    if not api_key:
        return None
    return AnswerComposer(api_key, base_url, model=model or "gpt-4o-mini", timeout=timeout)
