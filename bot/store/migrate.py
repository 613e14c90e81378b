"""Schema migrations from code: `agora db upgrade`, the tests and the demo run Alembic through here.

The configuration is built in code rather than read from alembic.ini, so it works from any working directory
and never touches the application's logging. migrations/env.py runs its own event loop (asyncio.run), so the
plain functions must be called outside a running loop; async code uses `upgrade_async`, which moves the work
to a thread.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

# Alembic keeps the running migration in process-wide proxies (alembic.context, alembic.op): two runs in
# threads of one process would step on each other, so they take turns. Separate processes on PostgreSQL
# wait on an advisory lock instead (migrations/env.py).
_ONE_RUN_AT_A_TIME = threading.Lock()


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the repository's migrations folder and this database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # The ini parser treats "%" as interpolation: a percent-encoded password must be doubled to survive.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (the latest by default); a no-op when it is there already."""
    with _ONE_RUN_AT_A_TIME:
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` down to `revision`; "base" drops every table the migrations created."""
    with _ONE_RUN_AT_A_TIME:
        command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """`upgrade` for code already inside an event loop: Alembic's own loop runs in a worker thread."""
    await asyncio.to_thread(upgrade, url, revision)
