"""`agora eval faq` as outside checks run it: a real subprocess, files in, one JSON object out, predictions
in order; the engine is built through the migrations, the import code and the bot's own FaqService."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.agora_cli import agora

FAQS = [
    {"id": "dues", "question": "How do I pay my membership dues?", "answer": "By card.",
     "examples": ["paying the yearly fee", "membership payment"], "lang": "en"},
    {"id": "events", "question": "Which events are planned this month?", "examples": ["upcoming events"],
     "lang": "en"},
    {"id": "conges", "question": "Comment poser mes congés ?", "examples": ["demande de vacances"], "lang": "fr"},
]
QUERIES = [
    {"query": "how can i pay my dues", "faq_id": "dues", "lang": "en"},
    {"query": "what events are coming up this month", "faq_id": "events", "lang": "en"},
    {"query": "comment poser des conges", "faq_id": "conges", "lang": "fr"},
    {"query": "what is the capital of australia", "faq_id": None, "lang": "en"},
    {"query": "🎉🎉🎉", "faq_id": None, "lang": "en"},
]


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_eval_faq_prints_the_figures_and_writes_predictions_in_order(tmp_path: Path) -> None:
    faqs = _write(tmp_path / "faqs.jsonl", FAQS)
    queries = _write(tmp_path / "queries.jsonl", QUERIES)
    out = tmp_path / "predictions.jsonl"

    result = agora("eval", "faq", "--faqs", str(faqs), "--queries", str(queries), "--predictions", str(out),
                   cwd=tmp_path)

    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().strip().splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    assert figures == {"n": 5, "in_scope_accuracy": 1.0, "abstain_recall": 1.0, "overall_accuracy": 1.0}
    predictions = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [p["query"] for p in predictions] == [q["query"] for q in QUERIES]
    assert [p["faq_id"] for p in predictions] == ["dues", "events", "conges", None, None]
    assert all(0.0 <= p["score"] <= 1.0 for p in predictions)
    assert not list(tmp_path.glob("*.db"))  # the store was a throwaway one
