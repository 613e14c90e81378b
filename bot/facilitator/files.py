"""Files the console makes (CSV exports, charts), kept under AGORA_DATA_DIR/<community>/<stamp>/ so a message
can carry a reference to them (bot.replies.Attachment) rather than the bytes, and so a facilitator on a
platform that cannot show files can still fetch them from the server."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def folder(data_dir: str, community_slug: str, kind: str, now: datetime) -> Path:
    """A new folder for one export or chart: unique, named for when it was made."""
    name = f"{now.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    path = Path(data_dir) / _SAFE.sub("-", community_slug) / kind / name
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def write(directory: Path, name: str, content: bytes) -> Path:
    path = directory / _SAFE.sub("-", name)
    path.write_bytes(content)
    return path
