"""Alembic environment: runs the migrations over an async engine, on SQLite or PostgreSQL.

The URL comes from the caller's `sqlalchemy.url` (bot.store.migrate sets it), else DATABASE_URL, else the
settings' default, so `alembic` on the command line and `agora db upgrade` always agree on the database.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings
from bot.store.db import normalise_url
from bot.store.models import Base

config = context.config
target_metadata = Base.metadata

# Any constant works; it only has to be the same for every process that migrates this database.
MIGRATION_LOCK_ID = 0x4A60_7A01

if config.config_file_name is not None:
    # Only the `alembic` command line has an ini file; the bot keeps its own logging setup.
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL") or Settings().database_url
    return normalise_url(url)


def configure(**kwargs: Any) -> None:
    """The options shared by online and offline runs; batch mode lets SQLite alter tables by copying them."""
    url = database_url()
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """`alembic upgrade --sql`: print the SQL instead of running it."""
    configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several `agora run` processes may start together: one migrates, the others wait, then find
            # the database at head. The lock is released when this transaction ends.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_ID})
        context.run_migrations()


async def run_async_migrations() -> None:
    url = database_url()
    # A plain engine, not bot.store.db.create_engine: SQLite's foreign_keys pragma must stay off here, or
    # batch mode's copy-and-drop of a table would cascade deletes into its children.
    connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
    engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
