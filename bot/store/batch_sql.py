"""The batch writer's statements (bot.store.writer), compiled once per dialect to driver SQL.

They run for every event, so they skip SQLAlchemy's per-row parameter processing (most of the cost of an
event when they went through Core executemany): each is compiled once per set of columns, and its rows go
to the driver as plain tuples, with the bind processing SQLAlchemy would apply, column by column (JSON
serialised, SQLite timestamps in SQLAlchemy's own storage format). A statement is a `Step`: whether it
returns rows, its SQL, and its parameters (a tuple, or a list of tuples for executemany).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime

from bot.store.models import ActionPayload, Activity, Base, Member, Outbox, ProcessedEvent

SQLITE_CHUNK = 400  # rows per multi-row VALUES statement: far below SQLite's limit on bound parameters

Params = Any  # a tuple of parameters, or a list of them for executemany
Step = tuple[bool, str, Params]  # (returns rows?, driver SQL, parameters)


def _sqlite_datetime(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite storage format ("2026-01-05 09:00:00.000000", the fields as given), in C."""
    return None if value is None else value.isoformat(" ", "microseconds")[:26]


class Stamps:
    """`_sqlite_datetime` for one batch, remembering what it made: an event's rows share its timestamp
    objects (received, queued, due; the activity's and the member's), and formatting one costs a
    microsecond. Keyed by identity (equal instants in other time zones are stored differently)."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: dict[int, tuple[datetime, str]] = {}

    def __call__(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        made = self._made.get(id(value))
        if made is None or made[0] is not value:
            made = self._made[id(value)] = (value, value.isoformat(" ", "microseconds")[:26])
        return made[1]

    def use(self, process: Callable[[Any], Any]) -> Callable[[Any], Any]:
        return self if process is _sqlite_datetime else process


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _processor(dialect: Dialect, table: Table, name: str) -> Callable[[Any], Any] | None:
    """The bind processing SQLAlchemy applies to a value of this column (None: the value goes as it is)."""
    col_type = table.c[name].type
    if dialect.name == "sqlite" and isinstance(col_type, DateTime):
        return _sqlite_datetime
    return cast(Callable[[Any], Any] | None, col_type.dialect_impl(dialect).bind_processor(dialect))


def _default(table: Table, name: str) -> Callable[[], Any]:
    """A column's Python-side default, as SQLAlchemy would fill it for a row that leaves the column out."""
    default = table.c[name].default
    arg = getattr(default, "arg", None)
    if getattr(default, "is_scalar", False):
        return lambda: arg
    if getattr(default, "is_callable", False):
        return lambda: arg(None)  # type: ignore[misc]  # SQLAlchemy wraps callables to take a context
    raise ValueError(f"{table.name}.{name}: rows must carry it (its default is not a plain Python value)")


Plan = tuple[str, tuple[str, ...], tuple[tuple[int, Callable[[Any], Any]], ...], tuple[tuple[int, Any], ...]]


class InsertMany:
    """An INSERT of rows given as dicts keyed by column name, compiled once per set of columns."""

    def __init__(self, dialect: Dialect, table: Table, on_conflict: bool) -> None:
        self.dialect = dialect
        self.table = table
        make = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        self.core = make(table).on_conflict_do_nothing() if on_conflict else make(table)
        self._plans: dict[tuple[str, ...], Plan] = {}

    def _plan(self, columns: tuple[str, ...]) -> Plan:
        """The SQL, its parameters' names in order, their bind processors, and the Python-side defaults of
        the columns the rows leave out."""
        plan = self._plans.get(columns)
        if plan is None:
            compiled = self.core.values({c: bindparam(c) for c in columns}).inline().compile(dialect=self.dialect)
            order = tuple(compiled.positiontup or ())
            processors = tuple((i, p) for i, name in enumerate(order)
                               if (p := _processor(self.dialect, self.table, name)) is not None)
            defaults = tuple((i, _default(self.table, name)) for i, name in enumerate(order) if name not in columns)
            plan = self._plans[columns] = (str(compiled), order, processors, defaults)
        return plan

    def steps(self, rows: list[dict[str, Any]], stamps: Stamps) -> list[Step]:
        keys = rows[0].keys()
        if all(row.keys() == keys for row in rows):
            groups = [rows]
        else:  # rows of different shapes: one statement per shape
            shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows:
                shapes.setdefault(tuple(row), []).append(row)
            groups = list(shapes.values())
        steps: list[Step] = []
        for group in groups:
            columns = tuple(group[0])
            sql, order, planned, defaults = self._plan(columns)
            processors = [(i, stamps.use(p)) for i, p in planned]
            given = tuple(name if name in columns else None for name in order)
            params = []
            for row in group:
                values = [row[name] if name is not None else None for name in given]
                for i, make in defaults:
                    values[i] = make()
                for i, process in processors:
                    values[i] = process(values[i])
                params.append(tuple(values))
            steps.append((False, sql, params))
        return steps


class Statements:
    """The writer's statements for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.postgresql = dialect.name == "postgresql"
        self.outbox = InsertMany(dialect, _table(Outbox), on_conflict=True)
        self.actions = InsertMany(dialect, _table(ActionPayload), on_conflict=True)
        self.activity = InsertMany(dialect, _table(Activity), on_conflict=False)
        members = _table(Member)
        # last_active_at never moves back, whatever order concurrent batches (other processes) commit in.
        ts = bindparam("b_ts", type_=members.c.last_active_at.type)
        newest = (func.greatest(members.c.last_active_at, ts) if self.postgresql
                  else func.max(func.coalesce(members.c.last_active_at, ts), ts))
        compiled = update(members).where(members.c.id == bindparam("b_id")).values(last_active_at=newest) \
            .compile(dialect=dialect)
        self.touch_order = tuple(compiled.positiontup or ())
        self.touch_sql = str(compiled)
        self.ts = _processor(dialect, members, "last_active_at") or (lambda v: v)
        prep = dialect.identifier_preparer
        table = prep.format_table(_table(ProcessedEvent))
        key, at = prep.quote("key"), prep.quote("received_at")
        # PostgreSQL: one statement whatever the batch size, the keys travelling as two arrays.
        self.keys_sql = (f"INSERT INTO {table} ({key}, {at}) SELECT * FROM unnest($1::VARCHAR[], "
                         f"$2::TIMESTAMP WITH TIME ZONE[]) ON CONFLICT DO NOTHING RETURNING {key}")
        # SQLite: a multi-row VALUES, built for the batch's size.
        self.keys_head = f"INSERT INTO {table} ({key}, {at}) VALUES "
        self.keys_tail = f" ON CONFLICT DO NOTHING RETURNING {key}"

    def claim_keys(self, keys: dict[str, datetime], stamps: Stamps) -> list[Step]:
        """Insert the de-duplication keys; the ones that were not there before come back."""
        if self.postgresql:
            ordered = sorted(keys)  # one lock order for every writer: concurrent batches cannot deadlock
            return [(True, self.keys_sql, (ordered, [keys[k] for k in ordered]))]
        steps: list[Step] = []
        items = list(keys.items())
        ts = stamps.use(self.ts)
        for start in range(0, len(items), SQLITE_CHUNK):
            chunk = items[start:start + SQLITE_CHUNK]
            params: list[Any] = []
            for k, at in chunk:
                params.append(k)
                params.append(ts(at))
            steps.append((True, self.keys_head + ", ".join(["(?, ?)"] * len(chunk)) + self.keys_tail, tuple(params)))
        return steps

    def touch_members(self, last_seen: dict[int, datetime], stamps: Stamps) -> Step:
        """members.last_active_at, once per member per batch (rows in id order: one lock order)."""
        ts = stamps.use(self.ts)
        params = []
        for mid in sorted(last_seen):
            value = {"b_id": mid, "b_ts": ts(last_seen[mid])}
            params.append(tuple(value[name] for name in self.touch_order))
        return (False, self.touch_sql, params)


@functools.lru_cache(maxsize=32)
def statements(dialect: Dialect) -> Statements:
    """The compiled statements for one engine's dialect (bind processing may depend on its settings)."""
    return Statements(dialect)
