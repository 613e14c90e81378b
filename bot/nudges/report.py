"""Did the nudges work? Reactivation within 7 days, nudged members versus the holdout.

A member counts as reactivated when they did anything (a message, a reaction, a command, a click) within
7 days after their row of the run was written: the nudge's time for the nudged, the same run's time for the
held out, so both groups are measured from the same moment. Pressing [Stop these] is not a comeback: those
rows count as not reactivated. Rows younger than 7 days are measured so far (the report says how many).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.contributions import Figure, Table
from bot.store.models import Activity
from bot.store.nudge_models import Nudge

WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Group:
    members: int
    reactivated: int

    @property
    def rate(self) -> float | None:
        return self.reactivated / self.members if self.members else None


@dataclass(frozen=True, slots=True)
class Report:
    nudged: Group
    holdout: Group
    pending: int  # rows whose 7 days are not over yet

    @property
    def lift(self) -> float | None:
        """Percentage points gained over the holdout (None when a group is empty)."""
        if self.nudged.rate is None or self.holdout.rate is None:
            return None
        return self.nudged.rate - self.holdout.rate


async def report(session: AsyncSession, community_id: int, start: datetime, end: datetime,
                 now: datetime) -> Report:
    """Rows written in [start, end), compared; one grouped query (activity on its (member_id, ts) index)."""
    came_back = exists().where(
        Activity.member_id == Nudge.member_id, Activity.community_id == community_id,
        Activity.ts > Nudge.created_at, Activity.ts <= _plus_window(Nudge.created_at, session))
    back = and_(came_back, or_(Nudge.response.is_(None), Nudge.response != "stop"))
    rows = (await session.execute(
        select(Nudge.holdout, func.count(), func.count().filter(back),
               func.count().filter(Nudge.created_at > now - WINDOW))
        .where(Nudge.community_id == community_id, Nudge.created_at >= start, Nudge.created_at < end)
        .group_by(Nudge.holdout))).all()
    groups = {bool(holdout): Group(int(total), int(yes)) for holdout, total, yes, _ in rows}
    pending = sum(int(p) for *_, p in rows)
    return Report(groups.get(False, Group(0, 0)), groups.get(True, Group(0, 0)), pending)


def _plus_window(column: object, session: AsyncSession) -> object:
    """`column + 7 days` in SQL, portable: PostgreSQL adds an interval, SQLite compares its stored text."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        return column + WINDOW  # type: ignore[operator]
    return func.strftime("%Y-%m-%d %H:%M:%f000", column, "+7 days")


async def figures(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> list[Figure]:
    """For `/agora stats`: nudges sent in the period and reactivation of each group."""
    found = await report(session, community_id, start, end, end)
    return [
        Figure("nudges.sent", "nudges.figure.sent", found.nudged.members),
        Figure("nudges.holdout", "nudges.figure.holdout", found.holdout.members),
        Figure("nudges.reactivated_nudged", "nudges.figure.rate_nudged", found.nudged.rate, "percent"),
        Figure("nudges.reactivated_holdout", "nudges.figure.rate_holdout", found.holdout.rate, "percent"),
    ]


async def table(session: AsyncSession, community_id: int) -> Table:
    """For `/agora export`: one line per nudge row, with the first activity after it (ids and times only)."""
    answered = (select(func.min(Activity.ts))
                .where(Activity.member_id == Nudge.member_id, Activity.community_id == community_id,
                       Activity.ts > Nudge.created_at)
                .scalar_subquery())
    rows = (await session.execute(
        select(Nudge.member_id, Nudge.period, Nudge.created_at, answered, Nudge.holdout, Nudge.reason_days,
               Nudge.response)
        .where(Nudge.community_id == community_id).order_by(Nudge.id))).all()
    header = ("member_id", "period", "sent_at", "answered_at", "holdout", "reason_days", "response")
    return Table("nudges", header, [
        (mid, period, _iso(created), _iso(first), int(bool(holdout)), days, response or "")
        for mid, period, created, first, holdout, days, response in rows])


def _iso(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
