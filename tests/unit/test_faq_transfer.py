"""Import and export of FAQ entries: each format reads back to the same entries; bad records are skipped."""

from __future__ import annotations

import pytest

from bot.faq import transfer
from bot.faq.store import EntryData

ENTRIES = [
    EntryData(key="cotisation", question="Comment payer ma cotisation ?", answer="Par virement, ou « carte ».",
              examples=("régler l'adhésion", "paiement, cotisation"), tags=("argent", "adhésion"), sector="btp",
              lang="fr"),
    EntryData(key="dues", question="How do I pay my dues?", answer='Line one\nline "two"', lang="en"),
]


@pytest.mark.parametrize("fmt", transfer.FORMATS)
def test_export_then_import_gives_the_same_entries(fmt: str) -> None:
    content = transfer.export(ENTRIES, fmt)
    parsed = transfer.parse(content, fmt)
    assert parsed.rejected == []
    assert parsed.entries == ENTRIES


def test_bad_records_are_skipped_and_counted() -> None:
    content = '{"question": "ok?", "answer": "yes"}\nnot json\n{"answer": "no question"}\n[1, 2]\n'
    parsed = transfer.parse(content, "jsonl", default_lang="en")
    assert [e.question for e in parsed.entries] == ["ok?"]
    assert parsed.entries[0].key == "ok" and parsed.entries[0].lang == "en"
    assert parsed.rejected == [2, 3, 4]


def test_unreadable_content_raises_a_clear_error() -> None:
    with pytest.raises(transfer.ImportFailed):
        transfer.parse("a: [unclosed", "yaml")
    with pytest.raises(transfer.ImportFailed):
        transfer.parse("just a sentence", "yaml")


def test_format_is_guessed_from_the_name_or_the_content() -> None:
    assert transfer.guess_format("faq.yml", "") == "yaml"
    assert transfer.guess_format("x", '{"question": "q"}') == "jsonl"
    assert transfer.guess_format("x", "id,question,answer\n1,q,a\n") == "csv"
