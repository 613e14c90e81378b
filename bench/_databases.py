"""Databases the benchmarks and the test suite make for themselves, so they never touch the database they are
pointed at (nor each other's): a PostgreSQL database of its own on the same server, dropped afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.engine import make_url


def _admin_url(url: str) -> str:
    """The server's `postgres` database, where databases are created and dropped (not inside a transaction)."""
    from bot.store.db import normalise_url

    return make_url(normalise_url(url)).set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)


def sibling_url(url: str, name: str) -> str:
    """The URL of database `name` on the server that `url` names."""
    from bot.store.db import normalise_url

    return make_url(normalise_url(url)).set(database=name).render_as_string(hide_password=False)


async def admin_exec(url: str, *statements: str) -> None:
    """Run statements on the `postgres` database of the server that `url` names."""
    import asyncpg

    conn = await asyncpg.connect(_admin_url(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def databases_named(url: str, prefix: str) -> list[str]:
    """The databases of that server whose name starts with `prefix`."""
    import asyncpg

    conn = await asyncpg.connect(_admin_url(url))
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", prefix)
        return [row["datname"] for row in rows]
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def postgres_database(url: str, name: str, *, keep: bool = False) -> AsyncIterator[str]:
    """The URL of a fresh database `name` next to the one in `url`, created through the server's `postgres`
    database and dropped on exit (unless `keep`)."""
    await admin_exec(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        yield sibling_url(url, name)
    finally:
        if not keep:
            await admin_exec(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
