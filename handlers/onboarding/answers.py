"""Reading what a member typed as an answer: a region, expertise tags, a time zone, sector names, an intro.
Pure functions: a bad answer raises BadAnswer with the i18n key of a clear message; the flow asks again."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from functools import lru_cache

from bot.fold import fold, has_word_characters
from bot.store.profiles import SectorView

REGION_MAX = 80
TAG_MAX = 40
INTRO_MAX = 600
_LIST_SPLIT = re.compile(r"[,;\n]+|\s+(?:et|and)\s+|\s*/\s*")


class BadAnswer(Exception):
    """An answer the flow cannot take; `key` and `params` make the message that explains why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_region(text: str) -> str:
    region = _one_line(text)
    if not region or not has_word_characters(region):
        raise BadAnswer("onboarding.bad.words")
    if len(region) > REGION_MAX:
        raise BadAnswer("onboarding.bad.region_long", max=REGION_MAX, length=len(region))
    return region


def parse_tags(text: str) -> list[str]:
    """Comma-separated expertise tags, normalised (lower case, single spaces). At least one must be made of
    words; the ones that are not are refused with the rest."""
    tags: list[str] = []
    for part in _LIST_SPLIT.split(text):
        tag = _one_line(part).strip(" .-#").lower()
        if not tag:
            continue
        if not has_word_characters(tag):
            raise BadAnswer("onboarding.bad.words")
        if len(tag) > TAG_MAX:
            raise BadAnswer("onboarding.bad.tag_long", max=TAG_MAX)
        tags.append(tag)
    if not tags:
        raise BadAnswer("onboarding.bad.words")
    return list(dict.fromkeys(tags))


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Folded IANA names and city names -> the IANA name ("dakar" and "africa dakar" -> "Africa/Dakar")."""
    found: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        if name.startswith(("Etc/", "SystemV/", "posix/", "right/")) or "/" not in name:
            continue
        found[fold(name)] = name
        found.setdefault(fold(name.rsplit("/", 1)[1]), name)
    found["utc"] = "UTC"
    return found


_ALIASES = {"paris": "Europe/Paris", "montreal": "America/Toronto", "quebec": "America/Toronto",
            "bruxelles": "Europe/Brussels", "geneve": "Europe/Zurich", "londres": "Europe/London",
            "new york": "America/New_York", "alger": "Africa/Algiers", "tunis": "Africa/Tunis",
            "gmt": "UTC", "temps universel": "UTC"}


def match_timezone(text: str) -> str:
    key = fold(text)
    if not key or not has_word_characters(text):
        raise BadAnswer("onboarding.bad.words")
    zone = _ALIASES.get(key) or _zones().get(key)
    if zone is None:
        raise BadAnswer("onboarding.bad.timezone", text=text.strip()[:40])
    return zone


def is_timezone(name: str) -> bool:
    return name == "UTC" or name in zoneinfo.available_timezones()


def match_sectors(text: str, sectors: Sequence[SectorView]) -> list[SectorView]:
    """Sector names (or slugs, or a word of a name) separated by commas; an unknown one is refused by name."""
    whole = fold(text)
    for sector in sectors:
        if whole and whole in (fold(sector.slug), fold(sector.name_fr), fold(sector.name_en)):
            return [sector]
    chosen: list[SectorView] = []
    for part in _LIST_SPLIT.split(text):
        key = fold(part)
        if not key:
            continue
        if not has_word_characters(part):
            raise BadAnswer("onboarding.bad.words")
        exact = [s for s in sectors if key in (fold(s.slug), fold(s.name_fr), fold(s.name_en))]
        partial = [s for s in sectors
                   if any(f" {n} ".find(f" {key}") >= 0
                          for n in (fold(s.name_fr), fold(s.name_en), fold(s.slug)))]
        found = exact or (partial if len(partial) == 1 else [])
        if not found:
            raise BadAnswer("onboarding.bad.sector", name=_one_line(part)[:60])
        chosen.append(found[0])
    if not chosen:
        raise BadAnswer("onboarding.bad.words")
    return list({s.id: s for s in chosen}.values())


def parse_intro(text: str) -> str:
    intro = text.strip()
    if not has_word_characters(intro):
        raise BadAnswer("onboarding.bad.words")
    if len(intro) > INTRO_MAX:
        raise BadAnswer("onboarding.bad.intro_long", max=INTRO_MAX)
    return intro


def match_label(text: str, labels: Sequence[str]) -> int | None:
    """The index of the button whose label the member typed (or its number), if any."""
    key = fold(text.strip().rstrip(".)"))
    if key.isdigit():
        number = int(key)
        return number - 1 if 1 <= number <= len(labels) else None
    for index, label in enumerate(labels):
        if key and key == fold(label.removeprefix("✓").strip()):
            return index
    return None
