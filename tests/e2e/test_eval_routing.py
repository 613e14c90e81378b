"""`agora eval routing` as outside checks run it: a real subprocess, files in, one JSON object out,
predictions in order, sector ids of the file kept even when they are not valid slugs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.agora_cli import agora

SECTORS = [
    {"id": "Building_Trades", "name": "building", "lang": "en",
     "examples": ["how do I insulate my roof", "which plumber for a leaking pipe", "building permit for an extension"]},
    {"id": "digital", "name": "digital", "lang": "en",
     "examples": ["how to build a website for my shop", "best invoicing software", "protect against phishing"]},
    {"id": "droit", "name": "gestion et droit",
     "examples": ["comment embaucher un apprenti", "quel contrat de travail choisir", "TVA sur une facture"]},
]
QUESTIONS = [
    {"text": "my pipes are leaking, who can fix the plumbing?", "sector": "Building_Trades", "lang": "en"},
    {"text": "I need a website for my bakery", "sector": "digital", "lang": "en"},
    {"text": "Comment rédiger le contrat de travail d'un apprenti ?", "sector": "droit", "lang": "fr"},
    {"text": "how do I insulate the attic?", "sector": "Building_Trades", "lang": "en"},
]


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_eval_routing_prints_accuracy_and_writes_predictions_in_order(tmp_path: Path) -> None:
    sectors = _write(tmp_path / "sectors.jsonl", SECTORS)
    questions = _write(tmp_path / "questions.jsonl", QUESTIONS)
    out = tmp_path / "predictions.jsonl"

    result = agora("eval", "routing", "--sectors", str(sectors), "--questions", str(questions),
                   "--predictions", str(out), cwd=tmp_path)

    assert result.returncode == 0, result.stderr.decode()
    figures = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert figures == {"n": 4, "accuracy": 1.0}
    predictions = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [p["text"] for p in predictions] == [q["text"] for q in QUESTIONS]
    assert [p["sector"] for p in predictions] == [q["sector"] for q in QUESTIONS]


def test_eval_routing_counts_wrong_answers(tmp_path: Path) -> None:
    sectors = _write(tmp_path / "sectors.jsonl", SECTORS)
    wrong = [{**q, "sector": "digital"} for q in QUESTIONS[:2]]
    questions = _write(tmp_path / "questions.jsonl", wrong)
    result = agora("eval", "routing", "--sectors", str(sectors), "--questions", str(questions), cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout.decode().strip().splitlines()[-1]) == {"n": 2, "accuracy": 0.5}
