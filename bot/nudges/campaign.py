"""A nudge run, once per (community, period), whatever the number of processes and crashes.

Once: the run is a `nudge_runs` row claimed with a conditional INSERT (or, when it exists unfinished with an
expired lease, a conditional UPDATE): one process wins; the others learn it is taken. The winner renews its
lease with every batch, in the batch's own transaction, so a process that lost its lease (paused, then taken
over) can never commit a batch after that.

Never twice, none forgotten: members are written in batches; each batch inserts the members' `nudges` rows
(unique per member and period) and their outbox rows (idempotency key `nudge:<community>:<period>:<member>`)
in one transaction. A run killed in the middle leaves whole batches; whoever resumes it (the scheduler's
housekeeping, once the lease expired) plans again, and the planner leaves out everyone already in this
period's run. Delivery is the outbox sender's: paced per platform, retried, closed DMs marked unreachable
(so the next runs skip those members: no retry storm).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.community_settings import load as load_settings
from bot.contributions import Contributions
from bot.events import ConversationRef
from bot.i18n import normalise_locale
from bot.local_time import next_waking, zone
from bot.nudges import planner, render
from bot.nudges.periods import period_of
from bot.outbox.enqueue import outbox_rows
from bot.replies import Reply, Visibility
from bot.store.models import Community, Outbox, PlatformAccount, Workspace
from bot.store.nudge_models import Nudge, NudgeRun
from bot.store.writer import _insert

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger("agora.nudges")



class LostLease(Exception):
    """Another process took the run over (this one was paused past its lease): stop writing."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run request ended: `done` (this call ran it), `taken` (another process is running it) or
    `already` (this period's run is finished)."""

    status: str
    period: str
    nudged: int = 0
    held_out: int = 0


def holder_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class NudgeCampaign:
    """The weekly job of the scheduler (bot.scheduler.Weekly) and the service of `/agora nudge run|preview`."""

    name = "nudges"
    day_setting = "nudge.day"
    time_setting = "nudge.time"

    def __init__(self, services: Services, *, lease: timedelta = timedelta(minutes=2), batch: int = 100) -> None:
        self.services = services
        self.lease = lease
        self.batch = batch
        self.holder = holder_name()
        self.on_written: list[Callable[[], object]] = []  # pokes the outbox sender
        self.after_batch: Callable[[int], Awaitable[None]] | None = None  # tests: stop in the middle of a run

    @staticmethod
    def of(services: Services) -> NudgeCampaign:
        """The app's campaign, kept in `services.extras` (one per app, no global)."""
        found = services.extras.get("nudges")
        if not isinstance(found, NudgeCampaign):
            found = services.extras["nudges"] = NudgeCampaign(services)
        return found

    @property
    def sources(self) -> Sequence[Any]:
        return Contributions.of(self.services).nudge_sources

    # --- entry points ------------------------------------------------------------------------------------
    async def run(self, community_id: int, trigger: str = "schedule") -> RunResult:
        """This period's run for the community, unless it is done or being done elsewhere."""
        now = self.services.clock.now()
        community = await self._community(community_id)
        period = period_of(now, zone(community.timezone))
        run_id = await self._claim(community_id, period, trigger, now)
        if run_id is None:
            async with self.services.sessions() as session:
                finished = (await session.execute(select(NudgeRun.finished_at).where(
                    NudgeRun.community_id == community_id, NudgeRun.period == period))).scalar_one_or_none()
            return RunResult("already" if finished is not None else "taken", period)
        return await self._execute(run_id, community, period)

    async def preview(self, community_id: int) -> planner.Plan:
        """Who would get what now; nothing is written."""
        now = self.services.clock.now()
        community = await self._community(community_id)
        async with self.services.sessions() as session:
            rules = planner.Rules.of(await load_settings(session, community_id))
            return await planner.plan(session, community_id, period_of(now, zone(community.timezone)), now,
                                      rules, self.sources)

    async def resume(self) -> int:
        """Finish the runs whose process died (their lease expired); returns how many were taken over."""
        now = self.services.clock.now()
        async with self.services.sessions() as session:
            stale = (await session.execute(select(NudgeRun.id, NudgeRun.community_id, NudgeRun.period).where(
                NudgeRun.finished_at.is_(None), NudgeRun.lease_until < now))).all()
        taken = 0
        for run_id, community_id, period in stale:
            async with self.services.sessions() as session, session.begin():
                won = await self._renew(session, run_id, now, take_over=True)
            if won:
                taken += 1
                log.info("nudge run resumed", extra={"community_id": community_id, "run_id": run_id})
                await self._execute(run_id, await self._community(community_id), period)
        return taken

    # --- the run -----------------------------------------------------------------------------------------
    async def _execute(self, run_id: int, community: Community, period: str) -> RunResult:
        now = self.services.clock.now()
        async with self.services.sessions() as session:
            rules = planner.Rules.of(await load_settings(session, community.id))
            plan = await planner.plan(session, community.id, period, now, rules, self.sources)
        nudged = held = 0
        try:
            for index in range(0, len(plan.members), self.batch):
                chunk = plan.members[index: index + self.batch]
                async with self.services.sessions() as session, session.begin():
                    if not await self._renew(session, run_id, self.services.clock.now()):
                        raise LostLease(run_id)
                    n, h = await self._write(session, run_id, community, plan, chunk)
                nudged, held = nudged + n, held + h
                for poke in self.on_written:
                    poke()
                if self.after_batch is not None:
                    await self.after_batch(index // self.batch)
        except LostLease:
            log.warning("nudge run taken over", extra={"community_id": community.id, "run_id": run_id})
            return RunResult("taken", period, nudged, held)
        async with self.services.sessions() as session, session.begin():
            await session.execute(update(NudgeRun).where(NudgeRun.id == run_id, NudgeRun.holder == self.holder)
                                  .values(finished_at=self.services.clock.now()))
        log.info("nudge run done", extra={"community_id": community.id, "run_id": run_id, "nudged": nudged,
                                          "held_out": held})
        return RunResult("done", period, nudged, held)

    async def _write(self, session: AsyncSession, run_id: int, community: Community, plan: planner.Plan,
                     chunk: list[planner.Planned]) -> tuple[int, int]:
        """One batch: the nudges rows (unique per member and period) and, for the new ones, their messages."""
        now = plan.now
        refs = await _dm_refs(session, community.id, [p.member_id for p in chunk if not p.holdout])
        chunk = [p for p in chunk if p.holdout or p.member_id in refs]
        if not chunk:
            return 0, 0
        conn = await session.connection()
        inserted = set((await session.execute(
            _insert(conn, Nudge).on_conflict_do_nothing().returning(Nudge.member_id),
            [{"community_id": community.id, "member_id": p.member_id, "run_id": run_id, "period": plan.period,
              "holdout": p.holdout, "reason_days": p.days, "items": len(p.items), "created_at": now,
              "response": None, "responded_at": None} for p in chunk])).scalars())
        rows: list[dict[str, Any]] = []
        for p in chunk:
            if p.holdout or p.member_id not in inserted:
                continue
            ref = refs[p.member_id]
            locale = normalise_locale(p.locale) or community.default_locale
            text, buttons = render.message(self.services.translator(locale), p, locale, community.name,
                                           plan.rules.window_days, plan.period)
            out, _ = outbox_rows([Reply(text, tuple(buttons), Visibility.DM)], origin=ref,
                                 community_id=community.id, member_id=p.member_id,
                                 key_prefix=f"nudge:{community.id}:{plan.period}:{p.member_id}",
                                 caps_for=self.services.capability, now=now)
            for row in out:
                row["next_attempt_at"] = next_waking(now, zone(p.timezone, community.timezone))
            rows.extend(out)
        if rows:
            await session.execute(_insert(conn, Outbox).on_conflict_do_nothing(), rows)
        held = sum(1 for p in chunk if p.holdout and p.member_id in inserted)
        nudged = len(rows)
        await session.execute(update(NudgeRun).where(NudgeRun.id == run_id).values(
            nudged=NudgeRun.nudged + nudged, held_out=NudgeRun.held_out + held))
        return nudged, held

    # --- claims ------------------------------------------------------------------------------------------
    async def _claim(self, community_id: int, period: str, trigger: str, now: datetime) -> int | None:
        async with self.services.sessions() as session, session.begin():
            conn = await session.connection()
            created = (await session.execute(
                _insert(conn, NudgeRun).values(
                    community_id=community_id, period=period, trigger=trigger, holder=self.holder,
                    lease_until=now + self.lease, started_at=now, finished_at=None, nudged=0, held_out=0)
                .on_conflict_do_nothing().returning(NudgeRun.id))).scalar_one_or_none()
            if created is not None:
                return int(created)
            stale = (await session.execute(select(NudgeRun.id).where(
                NudgeRun.community_id == community_id, NudgeRun.period == period,
                NudgeRun.finished_at.is_(None), NudgeRun.lease_until < now))).scalar_one_or_none()
            if stale is not None and await self._renew(session, stale, now, take_over=True):
                return int(stale)
            return None

    async def _renew(self, session: AsyncSession, run_id: int, now: datetime, take_over: bool = False) -> bool:
        """Extend this process's lease on the run; with `take_over`, take an unfinished run whose lease
        expired. A conditional UPDATE: of two processes, one matches."""
        mine = (NudgeRun.lease_until < now) if take_over else (NudgeRun.holder == self.holder)
        won = (await session.execute(
            update(NudgeRun).where(NudgeRun.id == run_id, NudgeRun.finished_at.is_(None), mine)
            .values(holder=self.holder, lease_until=now + self.lease).returning(NudgeRun.id))).first()
        return won is not None

    async def _community(self, community_id: int) -> Community:
        async with self.services.sessions() as session:
            community = await session.get(Community, community_id)
        if community is None:
            raise LookupError(f"no community {community_id}")
        return community


async def _dm_refs(session: AsyncSession, community_id: int, member_ids: list[int]) -> dict[int, ConversationRef]:
    """Where to write to each member privately: their newest account whose DMs are not closed."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(PlatformAccount.member_id, PlatformAccount.platform, Workspace.external_id,
               PlatformAccount.dm_channel_id, PlatformAccount.external_user_id)
        .join(Workspace, Workspace.id == PlatformAccount.workspace_id)
        .where(PlatformAccount.community_id == community_id, PlatformAccount.member_id.in_(member_ids),
               PlatformAccount.unreachable_at.is_(None))
        .order_by(PlatformAccount.id))
    return {mid: ConversationRef(platform, workspace, dm, user, is_dm=dm is not None)
            for mid, platform, workspace, dm, user in rows}
