"""Databases the benchmarks make for themselves, so a benchmark never touches the database it is pointed at
(the test suite's, say): a PostgreSQL database of its own on the same server, dropped afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.engine import make_url


@contextlib.asynccontextmanager
async def postgres_database(url: str, name: str, *, keep: bool = False) -> AsyncIterator[str]:
    """The URL of a fresh database `name` next to the one in `url`, created through the server's `postgres`
    database and dropped on exit (unless `keep`)."""
    import asyncpg

    from bot.store.db import normalise_url

    target = make_url(normalise_url(url))
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)

    async def admin_exec(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await admin_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await admin_exec(f"CREATE DATABASE {name}")
    try:
        yield target.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            await admin_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
