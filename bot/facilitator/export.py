"""`/agora export`: the community's figures as CSV files that any spreadsheet (and Python's csv module) opens.

Own tables: members (no message contents: id, name, role, sectors, region, language, dates), activity per
member per day (counts only), broadcasts and their recipients; then every table other features contribute
(bot.contributions). Cells starting with = + - @ get a leading apostrophe, so a display name cannot become a
spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.contributions import Table, TableSource
from bot.store.facilitator_models import Broadcast, BroadcastRecipient
from bot.store.models import Activity, Member, MemberSector, Sector

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(list(table.header))
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


async def members_table(session: AsyncSession, community_id: int) -> Table:
    sectors: dict[int, list[str]] = {}
    for member_id, slug in await session.execute(
            select(MemberSector.member_id, Sector.slug).join(Sector, Sector.id == MemberSector.sector_id)
            .where(MemberSector.community_id == community_id).order_by(Sector.slug)):
        sectors.setdefault(int(member_id), []).append(str(slug))
    rows = []
    for m in (await session.execute(select(Member).where(Member.community_id == community_id)
                                    .order_by(Member.id))).scalars():
        rows.append((m.id, m.display_name, m.role, " | ".join(sectors.get(m.id, [])), m.region, m.locale,
                     m.joined_at, m.left_at, m.last_active_at))
    return Table("members", ("member_id", "display_name", "role", "sectors", "region", "locale", "joined_at",
                             "left_at", "last_active_at"), rows)


async def activity_table(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> Table:
    """Actions per member per day (UTC) in [start, end): how much, never what."""
    dialect = (await session.connection()).dialect.name
    day = func.date(func.timezone("UTC", Activity.ts)) if dialect == "postgresql" else func.date(Activity.ts)
    stmt = (select(Activity.member_id, day.label("day"), func.count())
            .where(Activity.community_id == community_id, Activity.ts >= start, Activity.ts < end)
            .group_by(Activity.member_id, day).order_by(day, Activity.member_id))
    rows = [(int(member_id), str(d), int(n)) for member_id, d, n in await session.execute(stmt)]
    return Table("activity_daily", ("member_id", "day", "actions"), rows)


async def broadcasts_table(session: AsyncSession, community_id: int) -> Table:
    acked = (select(BroadcastRecipient.broadcast_id, func.count(BroadcastRecipient.acknowledged_at).label("n"))
             .where(BroadcastRecipient.community_id == community_id)
             .group_by(BroadcastRecipient.broadcast_id).subquery())
    stmt = (select(Broadcast, acked.c.n).outerjoin(acked, acked.c.broadcast_id == Broadcast.id)
            .where(Broadcast.community_id == community_id).order_by(Broadcast.id))
    rows = [(b.id, b.status, b.segment_kind, b.segment_value, b.author_member_id, b.recipients, n or 0,
             b.reminders_sent, b.created_at, b.sent_at, b.cancelled_at) for b, n in await session.execute(stmt)]
    return Table("broadcasts", ("broadcast_id", "status", "segment", "segment_value", "author_member_id",
                                "recipients", "acknowledged", "reminders_sent", "created_at", "sent_at",
                                "cancelled_at"), rows)


async def recipients_table(session: AsyncSession, community_id: int) -> Table:
    stmt = (select(BroadcastRecipient).where(BroadcastRecipient.community_id == community_id)
            .order_by(BroadcastRecipient.broadcast_id, BroadcastRecipient.member_id))
    rows = [(r.broadcast_id, r.member_id, r.platform, r.queued_at, r.acknowledged_at, r.reminders)
            for r in (await session.execute(stmt)).scalars()]
    return Table("broadcast_recipients", ("broadcast_id", "member_id", "platform", "queued_at",
                                          "acknowledged_at", "reminders"), rows)


async def all_tables(session: AsyncSession, community_id: int, start: datetime, end: datetime,
                     sources: Sequence[TableSource] = ()) -> list[Table]:
    tables = [await members_table(session, community_id),
              await activity_table(session, community_id, start, end),
              await broadcasts_table(session, community_id),
              await recipients_table(session, community_id)]
    for source in sources:
        tables.append(await source(session, community_id))
    return tables
