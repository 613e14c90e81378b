"""The help-request repository: every query filtered by community, every change of status a conditional
UPDATE whose row count says who won, so two processes (or two clicks) can never both claim, escalate or close
the same request."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.peer_help.classifier import LEARNED_PER_SECTOR, SectorText
from bot.store.models import Sector
from bot.store.peer_help_models import ExpertAvailability, HelpAttempt, HelpRequest

ACTIVE = ("draft", "open", "claimed")


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class HelpRequests:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    # --- requests ----------------------------------------------------------------------------------------
    async def create(self, asker_id: int, question: str, lang: str, sector_id: int | None,
                     now: datetime) -> HelpRequest:
        row = HelpRequest(community_id=self.community_id, asker_id=asker_id, question=question, lang=lang,
                          sector_id=sector_id, status="draft", round=0, created_at=now)
        self.session.add(row)
        await self.session.flush()
        return row

    async def get(self, request_id: int) -> HelpRequest | None:
        stmt = select(HelpRequest).where(HelpRequest.id == request_id,
                                         HelpRequest.community_id == self.community_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def refresh(self, row: HelpRequest) -> None:
        await self.session.refresh(row)

    async def _change(self, request_id: int, where: Sequence[Any], **values: Any) -> bool:
        stmt = (update(HelpRequest)
                .where(HelpRequest.id == request_id, HelpRequest.community_id == self.community_id, *where)
                .values(**values).execution_options(synchronize_session=False))
        return _count(await self.session.execute(stmt)) == 1

    async def set_sector(self, request_id: int, sector_id: int) -> bool:
        return await self._change(request_id, [HelpRequest.status == "draft"], sector_id=sector_id)

    async def open(self, request_id: int, now: datetime, round_ends: datetime) -> bool:
        """Draft -> open (round 1). False when the asker already confirmed (a double click) or cancelled."""
        return await self._change(request_id, [HelpRequest.status == "draft"], status="open", round=1,
                                  opened_at=now, next_action_at=round_ends)

    async def next_round(self, request_id: int, seen_round: int, round_ends: datetime | None) -> bool:
        return await self._change(request_id, [HelpRequest.status == "open", HelpRequest.round == seen_round,
                                               HelpRequest.escalated_at.is_(None)],
                                  round=seen_round + 1, next_action_at=round_ends)

    async def escalate(self, request_id: int, seen_round: int, now: datetime) -> bool:
        return await self._change(request_id, [HelpRequest.status == "open", HelpRequest.round == seen_round,
                                               HelpRequest.escalated_at.is_(None)],
                                  escalated_at=now, next_action_at=None)

    async def claim(self, request_id: int, expert_id: int, now: datetime, checkin_at: datetime) -> bool:
        """The first claim wins: open -> claimed in one conditional UPDATE; the asker cannot claim."""
        won = await self._change(request_id, [HelpRequest.status == "open", HelpRequest.asker_id != expert_id],
                                 status="claimed", expert_id=expert_id,
                                 claimed_at=func.coalesce(HelpRequest.claimed_at, now),
                                 next_action_at=checkin_at)
        if not won:
            return False
        attempts = await self.session.execute(
            update(HelpAttempt).where(HelpAttempt.request_id == request_id, HelpAttempt.expert_id == expert_id,
                                      HelpAttempt.community_id == self.community_id)
            .values(outcome="claimed", answered_at=now).execution_options(synchronize_session=False))
        if _count(attempts) == 0:  # claimed from the facilitators' channel: record who took it
            await self.session.execute(insert(HelpAttempt), [{
                "community_id": self.community_id, "request_id": request_id, "expert_id": expert_id,
                "round": 0, "asked_at": now, "outcome": "claimed", "answered_at": now}])
        await self.session.execute(
            update(HelpAttempt).where(HelpAttempt.request_id == request_id, HelpAttempt.outcome.is_(None),
                                      HelpAttempt.community_id == self.community_id)
            .values(outcome="lost", answered_at=now).execution_options(synchronize_session=False))
        return True

    async def release(self, request_id: int, expert_id: int, round_ends: datetime) -> bool:
        """The expert hands the request back (or left): claimed -> open again, a new round starts."""
        return await self._change(request_id, [HelpRequest.status == "claimed", HelpRequest.expert_id == expert_id],
                                  status="open", expert_id=None, round=HelpRequest.round + 1,
                                  escalated_at=None, checked_in_at=None, next_action_at=round_ends)

    async def reopen(self, request_id: int, asker_id: int, round_ends: datetime) -> bool:
        """The asker wants someone else (after the check-in): claimed -> open, a new round starts."""
        return await self._change(request_id, [HelpRequest.status == "claimed", HelpRequest.asker_id == asker_id],
                                  status="open", expert_id=None, round=HelpRequest.round + 1,
                                  escalated_at=None, checked_in_at=None, next_action_at=round_ends)

    async def resolve(self, request_id: int, asker_id: int, now: datetime) -> bool:
        return await self._change(request_id, [HelpRequest.status == "claimed", HelpRequest.asker_id == asker_id],
                                  status="resolved", resolved_at=now, next_action_at=None)

    async def cancel(self, request_id: int, now: datetime, asker_id: int | None = None) -> bool:
        where: list[Any] = [HelpRequest.status.in_(ACTIVE)]
        if asker_id is not None:
            where.append(HelpRequest.asker_id == asker_id)
        done = await self._change(request_id, where, status="cancelled", cancelled_at=now, next_action_at=None)
        if done:
            await self.withdraw_pending(request_id, now)
        return done

    async def thank(self, request_id: int, asker_id: int, now: datetime) -> bool:
        return await self._change(request_id, [HelpRequest.status == "resolved", HelpRequest.asker_id == asker_id,
                                               HelpRequest.kudos_at.is_(None)], kudos_at=now)

    async def check_in(self, request_id: int, now: datetime) -> bool:
        return await self._change(request_id, [HelpRequest.status == "claimed", HelpRequest.checked_in_at.is_(None)],
                                  checked_in_at=now, next_action_at=None)

    async def propose_faq(self, request_id: int, expert_id: int, answer: str) -> bool:
        return await self._change(request_id, [HelpRequest.status == "resolved", HelpRequest.expert_id == expert_id,
                                               or_(HelpRequest.faq_status.is_(None),
                                                   HelpRequest.faq_status == "proposed")],
                                  faq_answer=answer, faq_status="proposed")

    async def decide_faq(self, request_id: int, approved: bool) -> bool:
        return await self._change(request_id, [HelpRequest.faq_status == "proposed"],
                                  faq_status="approved" if approved else "rejected")

    async def due(self, now: datetime, limit: int = 200) -> list[HelpRequest]:
        """Requests whose timer has fired: the end of a round (open) or the check-in (claimed)."""
        stmt = (select(HelpRequest)
                .where(HelpRequest.community_id == self.community_id,
                       HelpRequest.status.in_(("open", "claimed")), HelpRequest.next_action_at <= now)
                .order_by(HelpRequest.next_action_at).limit(limit))
        return list((await self.session.execute(stmt)).scalars())

    async def active_of(self, member_id: int) -> list[HelpRequest]:
        """Requests where the member is the asker or the expert and that are still going on."""
        stmt = (select(HelpRequest)
                .where(HelpRequest.community_id == self.community_id, HelpRequest.status.in_(ACTIVE),
                       or_(HelpRequest.asker_id == member_id, HelpRequest.expert_id == member_id))
                .order_by(HelpRequest.id))
        return list((await self.session.execute(stmt)).scalars())

    # --- attempts ----------------------------------------------------------------------------------------
    async def add_attempts(self, request_id: int, expert_ids: Sequence[int], round_no: int, now: datetime) -> None:
        if expert_ids:
            await self.session.execute(insert(HelpAttempt), [
                {"community_id": self.community_id, "request_id": request_id, "expert_id": e, "round": round_no,
                 "asked_at": now} for e in expert_ids])

    async def asked(self, request_id: int) -> set[int]:
        stmt = select(HelpAttempt.expert_id).where(HelpAttempt.community_id == self.community_id,
                                                   HelpAttempt.request_id == request_id)
        return set((await self.session.execute(stmt)).scalars())

    async def pending(self, request_id: int) -> list[int]:
        stmt = select(HelpAttempt.expert_id).where(
            HelpAttempt.community_id == self.community_id, HelpAttempt.request_id == request_id,
            HelpAttempt.outcome.is_(None)).order_by(HelpAttempt.id)
        return list((await self.session.execute(stmt)).scalars())

    async def expire_pending(self, request_id: int, now: datetime) -> list[int]:
        experts = await self.pending(request_id)
        await self.session.execute(
            update(HelpAttempt).where(HelpAttempt.community_id == self.community_id,
                                      HelpAttempt.request_id == request_id, HelpAttempt.outcome.is_(None))
            .values(outcome="expired", answered_at=now).execution_options(synchronize_session=False))
        return experts

    async def withdraw_pending(self, request_id: int, now: datetime) -> list[int]:
        experts = await self.pending(request_id)
        await self.session.execute(
            update(HelpAttempt).where(HelpAttempt.community_id == self.community_id,
                                      HelpAttempt.request_id == request_id, HelpAttempt.outcome.is_(None))
            .values(outcome="withdrawn", answered_at=now).execution_options(synchronize_session=False))
        return experts

    async def decline(self, request_id: int, expert_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(HelpAttempt).where(HelpAttempt.community_id == self.community_id,
                                      HelpAttempt.request_id == request_id, HelpAttempt.expert_id == expert_id,
                                      HelpAttempt.outcome.is_(None))
            .values(outcome="declined", answered_at=now).execution_options(synchronize_session=False))
        return _count(result) == 1

    async def pending_of_expert(self, expert_id: int) -> list[int]:
        stmt = select(HelpAttempt.request_id).where(HelpAttempt.community_id == self.community_id,
                                                    HelpAttempt.expert_id == expert_id,
                                                    HelpAttempt.outcome.is_(None))
        return list((await self.session.execute(stmt)).scalars())

    async def withdraw_expert(self, expert_id: int, now: datetime) -> list[int]:
        """An expert became unavailable: their unanswered offers are withdrawn; returns the request ids."""
        ids = await self.pending_of_expert(expert_id)
        await self.session.execute(
            update(HelpAttempt).where(HelpAttempt.community_id == self.community_id,
                                      HelpAttempt.expert_id == expert_id, HelpAttempt.outcome.is_(None))
            .values(outcome="withdrawn", answered_at=now).execution_options(synchronize_session=False))
        return ids

    # --- availability ------------------------------------------------------------------------------------
    async def availability(self, member_id: int) -> ExpertAvailability | None:
        stmt = select(ExpertAvailability).where(ExpertAvailability.community_id == self.community_id,
                                                ExpertAvailability.member_id == member_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def set_availability(self, member_id: int, now: datetime, *, away_until: datetime | None,
                               snoozed_until: datetime | None) -> None:
        row = await self.availability(member_id)
        if row is None:
            row = ExpertAvailability(member_id=member_id, community_id=self.community_id, updated_at=now)
            self.session.add(row)
        row.away_until, row.snoozed_until, row.updated_at = away_until, snoozed_until, now
        await self.session.flush()

    # --- the classifier's material ----------------------------------------------------------------------
    async def sector_texts(self) -> list[SectorText]:
        """Active sectors with their names, description, examples, and the questions of past requests whose
        sector the asker confirmed and that an expert took (newest first)."""
        sectors = list((await self.session.execute(
            select(Sector).where(Sector.community_id == self.community_id, Sector.retired_at.is_(None))
            .order_by(Sector.id))).scalars())
        if not sectors:
            return []
        learned: dict[int, list[str]] = {s.id: [] for s in sectors}
        stmt = (select(HelpRequest.sector_id, HelpRequest.question)
                .where(HelpRequest.community_id == self.community_id, HelpRequest.claimed_at.is_not(None),
                       HelpRequest.sector_id.is_not(None))
                .order_by(HelpRequest.id.desc()).limit(LEARNED_PER_SECTOR * len(sectors)))
        for sector_id, question in (await self.session.execute(stmt)).all():
            bucket = learned.get(sector_id) if sector_id is not None else None
            if bucket is not None and len(bucket) < LEARNED_PER_SECTOR:
                bucket.append(str(question))
        return [SectorText(key=s.slug, names=tuple(dict.fromkeys(n for n in (s.name_fr, s.name_en) if n)),
                           description=s.description or "", examples=tuple(s.examples or ()),
                           learned=tuple(learned[s.id])) for s in sectors]
