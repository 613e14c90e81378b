"""What one feature contributes to another without importing it: figures to `/agora stats`, tables to
`/agora export`, items to the weekly nudges, timers to the scheduler. A feature registers its contributions in
its `setup` (through `Contributions.of(services)`); the consuming feature reads them. So peer help can add its
figures to the stats and its open requests to the nudges while the three stay independent modules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from bot.context import Services
    from bot.scheduler import Tick


@dataclass(frozen=True, slots=True)
class Figure:
    """One number of `/agora stats`. `label` is an i18n key; `unit` says how to show it: count, percent
    (a 0..1 share), hours, euros. None means "not measurable over this period" (shown as a dash)."""

    key: str
    label: str
    value: float | None
    unit: str = "count"


# (session, community_id, start, end) -> the figures of that period, [start, end).
FigureSource = Callable[[AsyncSession, int, datetime, datetime], Awaitable[Sequence[Figure]]]


@dataclass(frozen=True, slots=True)
class Table:
    """One CSV file of `/agora export`: a header and rows of plain values (never message contents)."""

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


# (session, community_id) -> a table
TableSource = Callable[[AsyncSession, int], Awaitable[Table]]


@dataclass(frozen=True, slots=True)
class NudgeItem:
    """Something worth coming back for, for one member: `kind` names it ("help_request", "new_member",
    "faq_entry", "flagged"), `text_key` + `params` render it in the member's language, `ref` identifies it
    (for [Show me])."""

    kind: str
    text_key: str
    params: dict[str, Any]
    ref: str = ""


# (session, community_id, member_ids, since, now) -> items per member id. Batched: one call per run, for
# thousands of members, so each source is a handful of queries, never one per member.
NudgeSource = Callable[[AsyncSession, int, Sequence[int], datetime, datetime],
                       Awaitable[dict[int, list[NudgeItem]]]]


@dataclass
class Contributions:
    figures: list[FigureSource] = field(default_factory=list)
    tables: list[TableSource] = field(default_factory=list)
    nudge_sources: list[NudgeSource] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)

    @staticmethod
    def of(services: Services) -> Contributions:
        """The app's contributions, kept in `services.extras` (one per app, no global)."""
        found = services.extras.get("contributions")
        if not isinstance(found, Contributions):
            found = services.extras["contributions"] = Contributions()
        return found
