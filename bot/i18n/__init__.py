"""Translations: every user-facing string comes from a catalog (locales/fr.json, locales/en.json, plus one file
per feature, locales/<feature>.<lang>.json, so features keep their sentences next to each other).

Handlers never hold literal sentences; they call `ctx.t("key", name=...)`. A test checks that both catalogs
have the same keys and the same placeholders.
"""

from __future__ import annotations

import json
import string
from importlib import resources

SUPPORTED = ("fr", "en")
DEFAULT = "fr"


def normalise_locale(raw: str | None) -> str | None:
    """`fr-FR`, `fr_CA`, `EN` -> `fr`/`en`; anything else -> None (caller picks a default)."""
    if not raw:
        return None
    lang = raw.strip().replace("_", "-").split("-")[0].lower()
    return lang if lang in SUPPORTED else None


class Catalogs:
    """The loaded catalogs. Built once by the composition root and shared through the context."""

    def __init__(self, extra: dict[str, dict[str, str]] | None = None) -> None:
        self._cat: dict[str, dict[str, str]] = {}
        pkg = resources.files("bot.i18n") / "locales"
        for lang in SUPPORTED:
            merged: dict[str, str] = json.loads((pkg / f"{lang}.json").read_text(encoding="utf-8"))
            for item in sorted(pkg.iterdir(), key=lambda entry: entry.name):
                if item.name.endswith(f".{lang}.json"):
                    part: dict[str, str] = json.loads(item.read_text(encoding="utf-8"))
                    clash = set(part) & set(merged)
                    if clash:  # a key defined twice would silently win or lose: refuse at start-up
                        raise ValueError(f"{item.name} redefines {sorted(clash)[:3]}")
                    merged.update(part)
            self._cat[lang] = merged
        for lang, entries in (extra or {}).items():
            self._cat.setdefault(lang, {}).update(entries)

    def keys(self, lang: str) -> set[str]:
        return set(self._cat.get(lang, {}))

    def raw(self, lang: str, key: str) -> str | None:
        return self._cat.get(lang, {}).get(key)

    def translate(self, lang: str, key: str, **params: object) -> str:
        template = self._cat.get(lang, {}).get(key) or self._cat["en"].get(key)
        if template is None:
            return key
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template

    def translator(self, lang: str) -> Translator:
        return Translator(self, lang)


class Translator:
    """A catalog bound to one language: `t("key", **params)`."""

    __slots__ = ("_catalogs", "lang")

    def __init__(self, catalogs: Catalogs, lang: str) -> None:
        self._catalogs = catalogs
        self.lang = lang

    def __call__(self, key: str, **params: object) -> str:
        return self._catalogs.translate(self.lang, key, **params)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
