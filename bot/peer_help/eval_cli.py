"""`agora eval routing --sectors S --questions Q [--predictions OUT]`: the live sector classifier, set up from
S only, exactly as the bot sets it up: a throwaway SQLite database created by the migrations, the sectors of
S imported through the facilitators' import code (bot.sector_import), the classifier built from the store by
the same Classifiers the bot uses. Prints {"n", "accuracy"}; with --predictions, one {"text", "sector"} line
per question, in order.

Sector ids of S that are not valid slugs (upper case, underscores...) are stored under a derived slug and
mapped back, so predictions always carry the ids of S.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Settings

_NOT_SLUG = re.compile(r"[^a-z0-9-]+")


def add_routing_eval(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    routing = actions.add_parser("routing", help="classify every question of Q into the sectors of S")
    routing.add_argument("--sectors", type=Path, required=True,
                         help="JSON Lines: {id, name, examples, description?, lang?}")
    routing.add_argument("--questions", type=Path, required=True, help="JSON Lines: {text, sector, lang}")
    routing.add_argument("--predictions", type=Path, help="write {text, sector} per question, in order")
    routing.set_defaults(handler=run_eval_routing)


def _slugs(records: list[dict[str, Any]]) -> dict[str, str]:
    """Sector id of the file -> slug in the store (unique, valid)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for index, record in enumerate(records, start=1):
        raw = str(record.get("id") or f"sector-{index}")
        slug = _NOT_SLUG.sub("-", raw.lower()).strip("-")[:60] or f"sector-{index}"
        while slug in used:
            slug = f"{slug[:55]}-{index}"
        used.add(slug)
        out[raw] = slug
    return out


def _strings(value: Any) -> list[str]:
    return [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else []


def sector_yaml(records: list[dict[str, Any]], slugs: dict[str, str]) -> str:
    """The file's sectors in the shape `agora sectors import` reads, so the live parser checks them too."""
    items = []
    for index, record in enumerate(records, start=1):
        raw = str(record.get("id") or f"sector-{index}")
        name = str(record.get("name") or raw).strip() or raw
        items.append({"slug": slugs[raw], "name_fr": str(record.get("name_fr") or name),
                      "name_en": str(record.get("name_en") or name),
                      "description": str(record.get("description") or ""),
                      "examples": _strings(record.get("examples"))})
    return json.dumps(items, ensure_ascii=False)  # JSON is YAML


async def classify_all(sectors: list[dict[str, Any]], questions: list[dict[str, Any]], url: str) -> list[str | None]:
    from bot.peer_help.classifier import Classifiers
    from bot.peer_help.store import HelpRequests
    from bot.sector_import import import_sectors, parse_sectors
    from bot.store.db import create_engine, session_factory
    from bot.store.uow import UnitOfWork

    slugs = _slugs(sectors)
    back = {slug: raw for raw, slug in slugs.items()}
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        await import_sectors(sessions, "eval", parse_sectors(sector_yaml(sectors, slugs)), datetime.now(UTC),
                             community_name="Eval")
        async with UnitOfWork(sessions) as uow:
            community = await uow.directory.by_slug("eval")
            assert community is not None
            texts = await HelpRequests(uow.session, community.id).sector_texts()
            classifier = Classifiers().for_sectors(community.id, texts)
        out: list[str | None] = []
        for q in questions:
            best = classifier.classify(str(q.get("text") or ""), q.get("lang")).best
            out.append(back.get(best, best) if best is not None else None)
        return out
    finally:
        await engine.dispose()


def run_eval_routing(args: argparse.Namespace, settings: Settings) -> int:
    from bot.faq.eval_cli import read_jsonl
    from bot.store.migrate import upgrade

    sectors = read_jsonl(args.sectors)
    questions = read_jsonl(args.questions)
    with tempfile.TemporaryDirectory(prefix="agora-eval-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'eval.db'}"
        upgrade(url)
        predicted = asyncio.run(classify_all(sectors, questions, url))
    if args.predictions is not None:
        with args.predictions.open("w", encoding="utf-8") as fh:
            for q, sector in zip(questions, predicted, strict=True):
                fh.write(json.dumps({"text": q.get("text"), "sector": sector}, ensure_ascii=False) + "\n")
    n = len(questions)
    right = sum(1 for q, p in zip(questions, predicted, strict=True) if p is not None and p == str(q.get("sector")))
    sys.stdout.write(json.dumps({"n": n, "accuracy": round(right / n, 4) if n else None}) + "\n")
    return 0
