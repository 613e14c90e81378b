"""Broadcasts: a facilitator's message to a segment, previewed, confirmed, acknowledged, reminded, cancellable.

- `draft` stores the preview (status `draft`), so the [Send] button works after a restart and only once.
- `send` turns the draft into one outbox row per recipient (a DM with an [Acknowledge] button), with the
  idempotency key `broadcast:<id>:<member>:0`: the outbox's sender paces them under each platform's limits.
- `acknowledge` notes the member's click (once); `tally` counts the rows, so it is live and shared by processes.
- `remind` writes again to those who have not acknowledged, at most `broadcast.max_reminders` times
  (by hand with `/agora broadcast remind <id>`, or by the hourly tick after `broadcast.remind_after_hours`).
- `cancel` marks the broadcast cancelled and its outbox rows not yet sent `cancelled` (the sender only takes
  `pending` rows), so nothing more goes out and no reminder follows.
The facilitator's text is re-sent with mass mentions neutralised (bot.markup.neutralise_mentions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.facilitator.segments import Recipient, Segment, members_of, recipients
from bot.markup import neutralise_mentions
from bot.outbox.enqueue import outbox_rows
from bot.ports import Capabilities
from bot.replies import Button, Reply, Visibility
from bot.store.facilitator_models import Broadcast, BroadcastRecipient
from bot.store.models import Outbox

MAX_TEXT = 1800  # fits Discord's 2,000 characters with the header and the button's numbered fallback
ACK_ACTION = "bc.ack"

Translate = Callable[..., str]  # (locale, key, **params) -> text, e.g. Catalogs.translate


class BroadcastProblem(ValueError):
    """Why an operation on a broadcast cannot happen: `reason` is an i18n key, `params` its values."""

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True, slots=True)
class Tally:
    broadcast_id: int
    status: str
    recipients: int
    acknowledged: int
    reminders_sent: int
    delivered: int
    failed: int
    waiting: int  # outbox rows not sent yet
    by_platform: dict[str, int]

    @property
    def not_acknowledged(self) -> int:
        return self.recipients - self.acknowledged


def check_text(text: str) -> str:
    """The message, stripped; BroadcastProblem when empty or too long."""
    body = text.strip()
    if not body:
        raise BroadcastProblem("facilitator.broadcast.empty")
    if len(body) > MAX_TEXT:
        raise BroadcastProblem("facilitator.broadcast.too_long", limit=MAX_TEXT, length=len(body))
    return body


async def get(session: AsyncSession, community_id: int, broadcast_id: int) -> Broadcast:
    found = (await session.execute(select(Broadcast).where(
        Broadcast.id == broadcast_id, Broadcast.community_id == community_id))).scalar_one_or_none()
    if found is None:
        raise BroadcastProblem("facilitator.broadcast.unknown", id=broadcast_id)
    return found


async def latest(session: AsyncSession, community_id: int) -> Broadcast | None:
    return (await session.execute(select(Broadcast).where(
        Broadcast.community_id == community_id, Broadcast.status != "draft")
        .order_by(Broadcast.id.desc()).limit(1))).scalar_one_or_none()


async def recent(session: AsyncSession, community_id: int, limit: int = 10) -> list[Broadcast]:
    return list((await session.execute(select(Broadcast).where(Broadcast.community_id == community_id)
                                       .order_by(Broadcast.id.desc()).limit(limit))).scalars())


async def draft(session: AsyncSession, community_id: int, author_id: int | None, segment: Segment, text: str,
                now: datetime) -> tuple[Broadcast, list[Recipient], int]:
    """A draft and who it would reach now: (draft, recipients, members without a reachable account)."""
    reach, unreachable = await recipients(session, community_id, segment, exclude=author_id)
    if not reach and not unreachable:
        raise BroadcastProblem("facilitator.broadcast.nobody", segment=segment.describe())
    row = Broadcast(community_id=community_id, author_member_id=author_id, segment_kind=segment.kind,
                    segment_value=segment.value, text=text, status="draft", recipients=0, reminders_sent=0,
                    created_at=now)
    session.add(row)
    await session.flush()
    return row, reach, unreachable


def _message(translate: Translate, locale: str, community: str, broadcast: Broadcast, key: str) -> Reply:
    text = translate(locale, key, community=community, text=neutralise_mentions(broadcast.text))
    button = Button(translate(locale, "facilitator.broadcast.ack_button"), ACK_ACTION, str(broadcast.id),
                    style="primary")
    return Reply(text=text, buttons=(button,), visibility=Visibility.DM)


async def _enqueue(session: AsyncSession, community_id: int, broadcast: Broadcast, targets: list[Recipient],
                   suffix: str, key: str, translate: Translate, default_locale: str, community: str,
                   caps_for: Callable[[str], Capabilities], now: datetime) -> None:
    rows: list[dict[str, Any]] = []
    for target in targets:
        reply = _message(translate, target.locale or default_locale, community, broadcast, key)
        reply = Reply(reply.text, reply.buttons, reply.visibility, target=target.ref)
        made, _ = outbox_rows([reply], origin=target.ref, community_id=community_id, member_id=None,
                              key_prefix=f"broadcast:{broadcast.id}:{target.member_id}{suffix}",
                              caps_for=caps_for, now=now)
        for row in made:
            row["member_id"] = target.member_id  # the DM fallback notice speaks the member's language
        rows.extend(made)
    if rows:
        await session.execute(insert(Outbox), rows)


async def send(session: AsyncSession, community_id: int, broadcast_id: int, *, translate: Translate,
               default_locale: str, community: str, caps_for: Callable[[str], Capabilities],
               now: datetime) -> tuple[Broadcast, int]:
    """Send a draft (once: a second click finds it sent). Returns the broadcast and how many were queued."""
    broadcast = await get(session, community_id, broadcast_id)
    claimed = await session.execute(update(Broadcast).where(
        Broadcast.id == broadcast_id, Broadcast.community_id == community_id, Broadcast.status == "draft")
        .values(status="sent", sent_at=now))
    if not getattr(claimed, "rowcount", 0):
        raise BroadcastProblem(f"facilitator.broadcast.already_{broadcast.status}", id=broadcast_id)
    await session.refresh(broadcast)
    segment = Segment(broadcast.segment_kind, broadcast.segment_value)
    reach, _ = await recipients(session, community_id, segment, exclude=broadcast.author_member_id)
    if reach:
        await session.execute(insert(BroadcastRecipient), [
            {"broadcast_id": broadcast.id, "member_id": r.member_id, "community_id": community_id,
             "platform": r.ref.platform, "queued_at": now, "acknowledged_at": None, "reminders": 0,
             "last_reminded_at": None} for r in reach])
    await _enqueue(session, community_id, broadcast, reach, ":0", "facilitator.broadcast.message", translate,
                   default_locale, community, caps_for, now)
    broadcast.recipients = len(reach)
    await session.flush()
    return broadcast, len(reach)


async def acknowledge(session: AsyncSession, community_id: int, broadcast_id: int, member_id: int,
                      now: datetime) -> str:
    """"ok" the first time, "again" after that, "cancelled" for a cancelled broadcast, "unknown" otherwise."""
    found = (await session.execute(select(Broadcast.status).where(
        Broadcast.id == broadcast_id, Broadcast.community_id == community_id))).scalar_one_or_none()
    if found is None:
        return "unknown"
    if found == "cancelled":
        return "cancelled"
    done = await session.execute(update(BroadcastRecipient).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.community_id == community_id,
        BroadcastRecipient.member_id == member_id, BroadcastRecipient.acknowledged_at.is_(None))
        .values(acknowledged_at=now))
    if getattr(done, "rowcount", 0):
        return "ok"
    known = (await session.execute(select(BroadcastRecipient.member_id).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.member_id == member_id))).first()
    return "again" if known is not None else "unknown"


async def tally(session: AsyncSession, community_id: int, broadcast_id: int) -> Tally:
    broadcast = await get(session, community_id, broadcast_id)
    scope = (BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.community_id == community_id)
    total, acked = (await session.execute(select(func.count(), func.count(BroadcastRecipient.acknowledged_at))
                                          .where(*scope))).one()
    platforms = {str(p): int(n) for p, n in await session.execute(
        select(BroadcastRecipient.platform, func.count()).where(*scope).group_by(BroadcastRecipient.platform))}
    statuses = {str(s): int(n) for s, n in await session.execute(
        select(Outbox.status, func.count()).where(Outbox.community_id == community_id,
                                                  Outbox.idempotency_key.like(f"broadcast:{broadcast_id}:%"))
        .group_by(Outbox.status))}
    return Tally(broadcast.id, broadcast.status, int(total), int(acked), broadcast.reminders_sent,
                 statuses.get("sent", 0), statuses.get("failed", 0),
                 statuses.get("pending", 0) + statuses.get("sending", 0), platforms)


async def remind(session: AsyncSession, community_id: int, broadcast_id: int, *, max_reminders: int,
                 translate: Translate, default_locale: str, community: str,
                 caps_for: Callable[[str], Capabilities], now: datetime) -> int:
    """One reminder round to those who have not acknowledged; returns how many were written to."""
    broadcast = await get(session, community_id, broadcast_id)
    if broadcast.status != "sent":
        raise BroadcastProblem(f"facilitator.broadcast.not_remindable_{broadcast.status}", id=broadcast_id)
    round_no = broadcast.reminders_sent
    if round_no >= max_reminders:
        raise BroadcastProblem("facilitator.broadcast.reminders_spent", id=broadcast_id, max=max_reminders)
    claimed = await session.execute(update(Broadcast).where(
        Broadcast.id == broadcast_id, Broadcast.community_id == community_id,
        Broadcast.reminders_sent == round_no, Broadcast.status == "sent")
        .values(reminders_sent=round_no + 1, last_reminded_at=now))
    if not getattr(claimed, "rowcount", 0):  # another process reminded at the same moment
        raise BroadcastProblem("facilitator.broadcast.reminders_spent", id=broadcast_id, max=max_reminders)
    await session.refresh(broadcast)
    pending = set((await session.execute(select(BroadcastRecipient.member_id).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.community_id == community_id,
        BroadcastRecipient.acknowledged_at.is_(None)))).scalars())
    segment = Segment(broadcast.segment_kind, broadcast.segment_value)
    reach, _ = await recipients(session, community_id, segment, exclude=broadcast.author_member_id)
    targets = [r for r in reach if r.member_id in pending]  # still here, still reachable, not acknowledged
    if targets:
        await session.execute(update(BroadcastRecipient).where(
            BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.community_id == community_id,
            BroadcastRecipient.member_id.in_([t.member_id for t in targets]))
            .values(reminders=BroadcastRecipient.reminders + 1, last_reminded_at=now))
    await _enqueue(session, community_id, broadcast, targets, f":r{round_no + 1}",
                   "facilitator.broadcast.reminder", translate, default_locale, community, caps_for, now)
    return len(targets)


async def due_for_reminder(session: AsyncSession, community_id: int, now: datetime, after: timedelta,
                           max_reminders: int) -> list[int]:
    """Broadcasts whose automatic reminder is due: sent, reminders left, `after` since the last message."""
    if after <= timedelta(0) or max_reminders <= 0:
        return []
    stmt = select(Broadcast.id, Broadcast.sent_at, Broadcast.last_reminded_at).where(
        Broadcast.community_id == community_id, Broadcast.status == "sent",
        Broadcast.reminders_sent < max_reminders, Broadcast.sent_at <= now - after)
    due = []
    for broadcast_id, sent_at, reminded_at in await session.execute(stmt):
        last = reminded_at or sent_at
        if last is not None and utc(last) <= now - after:
            due.append(int(broadcast_id))
    return due


async def cancel(session: AsyncSession, community_id: int, broadcast_id: int, now: datetime) -> int:
    """Cancel a draft or a sent broadcast; returns how many queued messages were stopped."""
    broadcast = await get(session, community_id, broadcast_id)
    if broadcast.status == "cancelled":
        raise BroadcastProblem("facilitator.broadcast.already_cancelled", id=broadcast_id)
    broadcast.status, broadcast.cancelled_at = "cancelled", now
    stopped = await session.execute(update(Outbox).where(
        Outbox.community_id == community_id, Outbox.idempotency_key.like(f"broadcast:{broadcast_id}:%"),
        Outbox.status == "pending").values(status="cancelled"))
    await session.flush()
    return int(getattr(stopped, "rowcount", 0) or 0)


async def segment_size(session: AsyncSession, community_id: int, segment: Segment) -> int:
    ids = members_of(community_id, segment).subquery()
    return int((await session.execute(select(func.count()).select_from(ids))).scalar_one())
