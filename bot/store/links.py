"""Account linking: one-time codes, and merging the member behind a second platform account into the first.
Kept apart from the member repository because a merge touches every table that points at a member."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.store.models import Activity, ConversationState, LinkCode, Member, MemberSector, PlatformAccount
from bot.store.profiles import merge_profiles

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read and typed by people
CODE_LENGTH = 8


class LinkCodes:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def issue(self, member_id: int, now: datetime, ttl: timedelta) -> str:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        self.session.add(LinkCode(code=code, community_id=self.community_id, member_id=member_id,
                                  expires_at=now + ttl))
        await self.session.flush()
        return code

    async def consume(self, code: str, now: datetime) -> int | None:
        """The member id behind a valid, unused, unexpired code of this community; the code is used up."""
        row = (await self.session.execute(
            select(LinkCode).where(LinkCode.code == code.upper(), LinkCode.community_id == self.community_id)
            .with_for_update()
        )).scalar_one_or_none()
        if row is None or row.used_at is not None or utc(row.expires_at) <= now:
            return None
        row.used_at = now
        await self.session.flush()
        return row.member_id

    async def merge(self, source_id: int, target_id: int) -> None:
        """Everything of member `source_id` becomes `target_id`'s; the source member is removed."""
        cid = self.community_id
        await self.session.execute(update(PlatformAccount).where(
            PlatformAccount.community_id == cid, PlatformAccount.member_id == source_id).values(member_id=target_id))
        await self.session.execute(update(Activity).where(
            Activity.community_id == cid, Activity.member_id == source_id).values(member_id=target_id))
        have = set((await self.session.execute(select(MemberSector.sector_id).where(
            MemberSector.member_id == target_id))).scalars())
        await self.session.execute(delete(MemberSector).where(
            MemberSector.member_id == source_id, MemberSector.sector_id.in_(have)))
        await self.session.execute(update(MemberSector).where(
            MemberSector.community_id == cid, MemberSector.member_id == source_id).values(member_id=target_id))
        await self.session.execute(delete(ConversationState).where(
            ConversationState.community_id == cid, ConversationState.member_id == source_id))
        await self.session.execute(delete(LinkCode).where(LinkCode.member_id == source_id))
        await merge_profiles(self.session, cid, source_id, target_id)
        await self.session.execute(delete(Member).where(Member.community_id == cid, Member.id == source_id))
