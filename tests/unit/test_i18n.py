import re
from pathlib import Path

from bot.i18n import SUPPORTED, Catalogs, normalise_locale, placeholders

ROOT = Path(__file__).resolve().parents[2]


def test_catalogs_have_same_keys_and_placeholders() -> None:
    cat = Catalogs()
    fr, en = cat.keys("fr"), cat.keys("en")
    assert fr == en, f"only in fr: {fr - en}; only in en: {en - fr}"
    for key in fr:
        assert placeholders(cat.raw("fr", key) or "") == placeholders(cat.raw("en", key) or ""), key


def test_every_key_used_in_code_exists() -> None:
    cat = Catalogs()
    used: set[str] = set()
    pattern = re.compile(r"""(?:\bt|\.say|\btranslate\([^,]+,|UserFacingError)\(\s*f?["']([a-z_]+\.[a-z0-9_.]+)["']""")
    for folder in ("bot", "handlers", "adapters"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys: the pattern is broken"
    missing = {k for k in used if k not in cat.keys("fr")}
    assert not missing


def test_locale_normalisation() -> None:
    assert normalise_locale("fr-FR") == "fr"
    assert normalise_locale("EN_us") == "en"
    assert normalise_locale("de") is None
    assert normalise_locale(None) is None
    assert set(SUPPORTED) == {"fr", "en"}


def test_missing_key_falls_back_to_english_then_key() -> None:
    cat = Catalogs(extra={"en": {"only.en": "Hello {name}"}})
    assert cat.translate("fr", "only.en", name="Awa") == "Hello Awa"
    assert cat.translate("fr", "no.such.key") == "no.such.key"
