"""Reading typed answers: regions, skills, time zones, sector names, button labels. Bad ones are refused with
the key of a clear message, never stored."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.fold import fold, has_word_characters
from bot.store.profiles import SectorView
from handlers.onboarding.answers import (
    REGION_MAX,
    BadAnswer,
    match_label,
    match_sectors,
    match_timezone,
    parse_intro,
    parse_region,
    parse_tags,
)

SECTORS = [SectorView(1, "batiment", "Bâtiment et travaux", "Building and construction", None),
           SectorView(2, "gestion", "Gestion, droit et financement", "Management, law and funding", None),
           SectorView(3, "numerique", "Numérique", "Digital", None)]


def refused(key: str, call: object, *args: object) -> None:
    with pytest.raises(BadAnswer) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.key == key


def test_fold_ignores_accents_case_and_punctuation() -> None:
    assert fold("Île-de-France") == fold("ILE DE FRANCE") == "ile de france"
    assert fold("  Provence–Alpes ") == "provence–alpes"
    assert has_word_characters("a🙂") and not has_word_characters("🙂 ✨ !!")


def test_regions() -> None:
    assert parse_region("  Hauts-de-France \n") == "Hauts-de-France"
    refused("onboarding.bad.region_long", parse_region, "x" * (REGION_MAX + 1))
    refused("onboarding.bad.words", parse_region, "🙂🙂")
    refused("onboarding.bad.words", parse_region, "   ")


def test_tags() -> None:
    assert parse_tags("Comptabilité, export; Douane et  transport\nexport") == [
        "comptabilité", "export", "douane", "transport"]
    refused("onboarding.bad.words", parse_tags, "🔥, 🚀")
    refused("onboarding.bad.tag_long", parse_tags, "y" * 41)
    refused("onboarding.bad.words", parse_tags, " , ;")


def test_time_zones() -> None:
    assert match_timezone("dakar") == "Africa/Dakar"
    assert match_timezone("europe/paris") == "Europe/Paris"
    assert match_timezone("Montréal") == "America/Toronto"
    assert match_timezone("New York") == "America/New_York"
    assert match_timezone("utc") == "UTC"
    refused("onboarding.bad.timezone", match_timezone, "Atlantis")
    refused("onboarding.bad.words", match_timezone, "⏰")


def test_sectors_by_name_slug_or_word() -> None:
    assert [s.id for s in match_sectors("Gestion, droit et financement", SECTORS)] == [2]
    assert [s.id for s in match_sectors("bâtiment, digital", SECTORS)] == [1, 3]
    assert [s.id for s in match_sectors("numerique et batiment", SECTORS)] == [3, 1]
    assert [s.id for s in match_sectors("droit", SECTORS)] == [2]
    refused("onboarding.bad.sector", match_sectors, "boulangerie", SECTORS)
    refused("onboarding.bad.words", match_sectors, "🏗️", SECTORS)


def test_intro_and_labels() -> None:
    assert parse_intro("  Bonjour !  ") == "Bonjour !"
    refused("onboarding.bad.intro_long", parse_intro, "mot " * 200)
    refused("onboarding.bad.words", parse_intro, "👋👋")
    labels = ["✓ Bâtiment", "Terminé", "Passer"]
    assert match_label("batiment", labels) == 0 and match_label("TERMINE", labels) == 1
    assert match_label("3", labels) == 2 and match_label("3.", labels) == 2
    assert match_label("4", labels) is None and match_label("autre", labels) is None


@given(st.text(max_size=300))
def test_any_text_is_an_answer_or_a_clear_refusal(text: str) -> None:
    for parse in (parse_region, parse_tags, match_timezone, parse_intro):
        try:
            parse(text)
        except BadAnswer as bad:
            assert bad.key.startswith("onboarding.bad.")
    try:
        match_sectors(text, SECTORS)
    except BadAnswer as bad:
        assert bad.key.startswith("onboarding.bad.")
