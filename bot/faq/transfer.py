"""Importing and exporting FAQ entries as YAML, CSV or JSON Lines.

One record per entry with the fields `id` (or `key`), `question`, `answer`, `examples`, `tags`, `sector`,
`lang`. In CSV, the list fields hold their items separated by " | ". Exports read back to the same entries.
A bad record is reported by its number and skipped; the others are imported.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from bot.faq.store import EntryData

FORMATS = ("yaml", "csv", "jsonl")
LIST_SEPARATOR = " | "
MAX_QUESTION = 1000
MAX_ANSWER = 4000
MAX_EXAMPLES = 200


class ImportFailed(ValueError):
    """The file could not be read at all (not the format it claims to be)."""


@dataclass(frozen=True, slots=True)
class Parsed:
    entries: list[EntryData]
    rejected: list[int]  # 1-based record numbers that were skipped


def guess_format(name: str, content: str) -> str:
    """From a file name's extension, else from the first character of the content."""
    lower = name.lower()
    for ext, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"), (".csv", "csv"),
                     (".yaml", "yaml"), (".yml", "yaml")):
        if lower.endswith(ext):
            return fmt
    stripped = content.lstrip()
    if stripped.startswith("{"):
        return "jsonl"
    first_line = stripped.splitlines()[0] if stripped else ""
    return "csv" if "question" in first_line and "," in first_line and ":" not in first_line else "yaml"


def slug(text: str, limit: int = 60) -> str:
    """A key made from a question: "Comment payer ma cotisation ?" -> "comment-payer-ma-cotisation"."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-")[:limit].strip("-") or "entry"


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items: Iterable[Any] = value.split(LIST_SEPARATOR.strip())
    elif isinstance(value, list | tuple):
        items = value
    else:
        items = [value]
    return tuple(dict.fromkeys(str(v).strip() for v in items if v is not None and str(v).strip()))


def to_entry(record: Any, default_lang: str) -> EntryData | None:
    """One record -> an entry, or None when it has no question."""
    if not isinstance(record, dict):
        return None
    examples = _strings(record.get("examples"))[:MAX_EXAMPLES]
    question = str(record.get("question") or (examples[0] if examples else "")).strip()[:MAX_QUESTION]
    if not question:
        return None
    key = str(record.get("id") or record.get("key") or "").strip()[:200] or slug(question)
    lang = str(record.get("lang") or default_lang).strip().lower()[:8] or default_lang
    sector = str(record.get("sector") or "").strip()[:64] or None
    return EntryData(key=key, question=question, answer=str(record.get("answer") or "").strip()[:MAX_ANSWER],
                     examples=examples, tags=_strings(record.get("tags")),
                     sector=sector, lang=lang)


def _records(content: str, fmt: str) -> list[Any]:
    try:
        if fmt == "jsonl":
            stripped = content.strip()
            if stripped.startswith("["):
                loaded = json.loads(stripped)
                return list(loaded) if isinstance(loaded, list) else [loaded]
            out: list[Any] = []
            for line in content.splitlines():
                if line.strip():
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:
                        out.append(None)
            return out
        if fmt == "csv":
            return list(csv.DictReader(io.StringIO(content)))
        loaded = yaml.safe_load(content)
    except (yaml.YAMLError, json.JSONDecodeError, csv.Error) as exc:
        raise ImportFailed(fmt) from exc
    if isinstance(loaded, dict):
        loaded = loaded.get("entries", loaded.get("faq", [loaded]))
    if not isinstance(loaded, list):
        raise ImportFailed(fmt)
    return loaded


def parse(content: str, fmt: str, default_lang: str = "fr") -> Parsed:
    if fmt not in FORMATS:
        raise ImportFailed(fmt)
    entries: dict[str, EntryData] = {}
    rejected: list[int] = []
    for number, record in enumerate(_records(content, fmt), start=1):
        entry = to_entry(record, default_lang)
        if entry is None:
            rejected.append(number)
        else:
            entries[entry.key] = entry  # the last record with a key wins, as in an upsert
    return Parsed(list(entries.values()), rejected)


def _record(entry: EntryData) -> dict[str, Any]:
    out: dict[str, Any] = {"id": entry.key, "question": entry.question, "answer": entry.answer,
                           "examples": list(entry.examples), "tags": list(entry.tags), "lang": entry.lang}
    if entry.sector:
        out["sector"] = entry.sector
    return out


def export(entries: Sequence[EntryData], fmt: str) -> str:
    records = [_record(e) for e in entries]
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if fmt == "yaml":
        return yaml.safe_dump(records, allow_unicode=True, sort_keys=False)
    if fmt == "csv":
        buffer = io.StringIO()
        fields = ["id", "question", "answer", "examples", "tags", "sector", "lang"]
        writer = csv.DictWriter(buffer, fieldnames=fields)
        writer.writeheader()
        for r in records:
            writer.writerow({**r, "examples": LIST_SEPARATOR.join(r["examples"]),
                             "tags": LIST_SEPARATOR.join(r["tags"]), "sector": r.get("sector", "")})
        return buffer.getvalue()
    raise ImportFailed(fmt)
