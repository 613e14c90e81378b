"""`agora eval ...`: measuring the live components on labelled files. This module holds the group and `faq`;
other evaluations (`agora eval routing`) add their own subparser through `add_eval_command`.

`agora eval faq --faqs F --queries Q [--predictions OUT]` builds the FAQ engine exactly as the live bot does:
a throwaway SQLite database created by the migrations, the entries of F imported through the facilitators'
import code (bot.faq.transfer + FaqStore.upsert), the engine built from the store by FaqService.engine with
the default settings and threshold. It prints one JSON object with n, in_scope_accuracy, abstain_recall and
overall_accuracy, and writes one prediction per query, in order, when asked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.peer_help.eval_cli import add_routing_eval


def add_faq_eval(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    faq = actions.add_parser("faq", help="answer every query of Q with an FAQ built from F")
    faq.add_argument("--faqs", type=Path, required=True, help="JSON Lines: {id, question, answer?, examples?, lang}")
    faq.add_argument("--queries", type=Path, required=True, help="JSON Lines: {query, faq_id|null, lang}")
    faq.add_argument("--predictions", type=Path, help="write {query, faq_id|null, score} per query, in order")
    faq.set_defaults(handler=run_eval_faq)


# One function per evaluation, each adding its `agora eval <name>` subcommand (routing joins here).
EVAL_COMMANDS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    add_faq_eval, add_routing_eval)


def add_eval_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `eval` group of `agora`: one subcommand per entry of EVAL_COMMANDS."""
    group = sub.add_parser("eval", help="measure the live engines on labelled files")
    actions = group.add_subparsers(dest="eval_command", required=True, metavar="WHAT")
    for add in EVAL_COMMANDS:
        add(actions)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                if isinstance(record, dict):
                    out.append(record)
    return out


def score(queries: list[dict[str, Any]], predicted: list[str | None]) -> dict[str, Any]:
    n = len(queries)
    in_scope = [(q, p) for q, p in zip(queries, predicted, strict=True) if q.get("faq_id") is not None]
    out_scope = [(q, p) for q, p in zip(queries, predicted, strict=True) if q.get("faq_id") is None]
    right = sum(1 for q, p in in_scope if p == str(q["faq_id"]))
    abstained = sum(1 for _, p in out_scope if p is None)
    return {
        "n": n,
        "in_scope_accuracy": round(right / len(in_scope), 4) if in_scope else None,
        "abstain_recall": round(abstained / len(out_scope), 4) if out_scope else None,
        "overall_accuracy": round((right + abstained) / n, 4) if n else None,
    }


async def evaluate(faqs_text: str, queries: list[dict[str, Any]], url: str) -> list[tuple[str | None, float]]:
    """Import the FAQ into the database at `url` (migrated) and answer every query as the bot would."""
    from bot.faq.service import FaqService
    from bot.faq.store import FaqStore
    from bot.faq.transfer import parse
    from bot.store.db import create_engine, session_factory
    from bot.store.uow import UnitOfWork

    engine = create_engine(url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    service = FaqService()
    try:
        async with UnitOfWork(sessions) as uow:
            community = await uow.directory.create("eval", "Eval", now, locale="en")
            parsed = parse(faqs_text, "jsonl", default_lang="en")
            await FaqStore(uow.session, community.id).upsert(parsed.entries, now)
            community_id = community.id
        results: list[tuple[str | None, float]] = []
        async with UnitOfWork(sessions) as uow:
            store = FaqStore(uow.session, community_id)
            faq_engine = await service.engine(store)
            threshold = await service.threshold(store)
            for q in queries:
                match = faq_engine.match(str(q.get("query") or ""), q.get("lang"), threshold=threshold)
                results.append((match.key, match.confidence))
        return results
    finally:
        await engine.dispose()


def run_eval_faq(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store.migrate import upgrade

    queries = read_jsonl(args.queries)
    faqs_text = args.faqs.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="agora-eval-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'eval.db'}"
        upgrade(url)
        results = asyncio.run(evaluate(faqs_text, queries, url))
    predicted = [key for key, _ in results]
    if args.predictions is not None:
        with args.predictions.open("w", encoding="utf-8") as fh:
            for q, (key, confidence) in zip(queries, results, strict=True):
                fh.write(json.dumps({"query": q.get("query"), "faq_id": key, "score": confidence},
                                    ensure_ascii=False) + "\n")
    sys.stdout.write(json.dumps(score(queries, predicted)) + "\n")
    return 0
