"""Fitting and checking the FAQ engine's calibration on labelled sets, with each set left out in turn.

`python -m bench faq_cv --data DIR [--lexical] [--weights W1,W2,...] [--json]`

DIR holds one folder per labelled set, each with faqs.jsonl and queries.jsonl (the shapes `agora eval faq`
reads). For every set the engine is built exactly as the bot builds it (bot.faq.engine.FaqEngine.build with
the default analyser, embeddings and weights, or the weights given); each query gives the calibration features
of its best entry (bot.faq.calibration.FEATURES). Then:
- leave-one-set-out: the logistic calibration and the threshold are fitted on the other sets only and scored
  on the one left out, which tells how the engine does on data it was not tuned on;
- the final fit on all the sets pooled (each set weighted equally, so a large set does not decide alone),
  printed so that bot/faq/settings.py can take it, and the figures of the settings as they are.
No data is copied anywhere: only coefficients come out.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.faq.engine import EntryText, FaqEngine
from bot.faq.semantic import load_embeddings
from bot.faq.settings import DEFAULT_SETTINGS, EngineSettings
from bot.faq.text import Analyzer

THRESHOLDS = np.round(np.arange(0.2, 0.81, 0.01), 2)
Features = tuple[np.ndarray, np.ndarray, np.ndarray]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def set_features(folder: Path, settings: EngineSettings, lexical: bool) -> Features:
    """Per query: the features of its best entry, whether that entry is right, whether the query is in
    scope."""
    faqs = read_jsonl(folder / "faqs.jsonl")
    queries = read_jsonl(folder / "queries.jsonl")
    entries = [EntryText(key=str(f["id"]), question=str(f.get("question") or ""),
                         examples=tuple(str(x) for x in f.get("examples") or ()), lang=f.get("lang"),
                         answer=str(f.get("answer") or "")) for f in faqs]
    engine = FaqEngine.build(entries, analyzer=Analyzer(), embeddings=None if lexical else load_embeddings(),
                             settings=settings)
    rows, right, inscope = [], [], []
    for q in queries:
        scored = engine.score(str(q["query"]), q.get("lang"))
        if scored is None:
            rows.append([0.0, 0.0, -20.0])
            right.append(False)
        else:
            rows.append(scored.features)
            right.append(engine.keys[int(scored.top[0])] == q.get("faq_id"))
        inscope.append(q.get("faq_id") is not None)
    return np.asarray(rows), np.asarray(right), np.asarray(inscope)


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-2) -> tuple[float, np.ndarray]:
    """Weighted, L2-regularised logistic regression by Newton's method (a few features)."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -40, 40)))
        gradient = design.T @ (w * (p - y)) + penalty @ beta
        hessian = (design * (w * p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(beta[0]), beta[1:]


def predict(intercept: float, coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(intercept + x @ coef, -40, 40)))
    return out


def overall(p: np.ndarray, right: np.ndarray, inscope: np.ndarray, threshold: float) -> float:
    """The eval's overall accuracy: the right entry given, or an abstention on an out-of-scope question."""
    answered = p >= threshold
    return float(np.where(answered, right & inscope, ~inscope).mean())


def fit(sets: dict[str, Features]) -> tuple[float, np.ndarray, float]:
    x = np.vstack([s[0] for s in sets.values()])
    y = np.concatenate([s[1] for s in sets.values()]).astype(float)
    w = np.concatenate([np.full(len(s[1]), 1.0 / len(s[1])) for s in sets.values()])
    w *= len(w) / w.sum()
    intercept, coef = fit_logistic(x, y, w)
    probs = {name: predict(intercept, coef, s[0]) for name, s in sets.items()}
    threshold = max(THRESHOLDS,
                    key=lambda t: np.mean([overall(probs[n], s[1], s[2], t) for n, s in sets.items()]))
    return intercept, coef, float(threshold)


def run(data: Path, lexical: bool, settings: EngineSettings) -> dict[str, Any]:
    folders = sorted(p for p in data.iterdir()
                     if (p / "faqs.jsonl").exists() and (p / "queries.jsonl").exists())
    sets = {p.name: set_features(p, settings, lexical) for p in folders}
    report: dict[str, Any] = {"mode": "lexical" if lexical else "default", "sets": {}}
    for name, (x, right, inscope) in sets.items():
        others = {n: s for n, s in sets.items() if n != name}
        entry: dict[str, Any] = {"n": len(right), "top1_in_scope": round(float(right[inscope].mean()), 4)}
        if others:
            intercept, coef, threshold = fit(others)
            left_out = overall(predict(intercept, coef, x), right, inscope, threshold)
            entry["left_out_overall"] = round(left_out, 4)
            entry["left_out_threshold"] = threshold
        report["sets"][name] = entry
    intercept, coef, threshold = fit(sets)
    report["pooled_fit"] = {"intercept": round(intercept, 4),
                            "coefficients": [round(float(c), 4) for c in coef], "threshold": threshold}
    current = settings.lexical_intercept if lexical else settings.intercept
    current_coef = np.asarray(settings.lexical_coefficients if lexical else settings.coefficients)
    report["with_current_settings"] = {
        name: round(overall(predict(current, current_coef, s[0]), s[1], s[2], settings.threshold), 4)
        for name, s in sets.items()
    }
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench faq_cv", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of labelled sets (faq-*/...)")
    parser.add_argument("--lexical", action="store_true", help="without the static embeddings")
    parser.add_argument("--weights", help="comma-separated signal weights to try instead of the settings'")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = DEFAULT_SETTINGS
    if args.weights:
        weights = tuple(float(w) for w in args.weights.split(","))
        settings = replace(settings, **{"lexical_weights" if args.lexical else "weights": weights})
    report = run(args.data, args.lexical, settings)
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
