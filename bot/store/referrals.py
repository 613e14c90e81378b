"""Referrals (parrainage): each member's personal code, newcomers attributed to sponsors, and which referrals
count. Codes look like `P-7KX3QM`: the prefix and the dash tell them apart from the 8-character linking codes
(bot.store.links), and their characters are the same unambiguous ones."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.store.links import ALPHABET
from bot.store.models import Member
from bot.store.profile_models import Onboarding, Referral, ReferralCode

PREFIX = "P-"
CODE_CHARS = 6
_TYPED = re.compile(rf"^P[\s\-_]?([{ALPHABET}]{{{CODE_CHARS}}})$")


def normalise_code(raw: str) -> str | None:
    """`p-7kx3qm`, `P 7KX3QM`, `p7kx3qm` -> `P-7KX3QM`; anything else -> None."""
    found = _TYPED.match(raw.strip().upper())
    return PREFIX + found.group(1) if found else None


@dataclass(frozen=True, slots=True)
class Standing:
    """A sponsor's line on the leaderboard."""

    member_id: int
    name: str
    counted: int
    pending: int


class Referrals:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def code_for(self, member_id: int, now: datetime) -> str:
        """The member's code, made on first use and kept."""
        stmt = select(ReferralCode.code).where(ReferralCode.member_id == member_id,
                                               ReferralCode.community_id == self.community_id)
        found = (await self.session.execute(stmt)).scalar_one_or_none()
        if found is not None:
            return found
        while True:  # a clash is a one-in-a-billion event: draw again until the code is free
            code = PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
            taken = await self.session.get(ReferralCode, code)
            if taken is None:
                break
        self.session.add(ReferralCode(code=code, community_id=self.community_id, member_id=member_id,
                                      created_at=now))
        await self.session.flush()
        return code

    async def owner(self, code: str) -> int | None:
        stmt = select(ReferralCode.member_id).where(ReferralCode.code == code,
                                                    ReferralCode.community_id == self.community_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_newcomer(self, newcomer_id: int) -> Referral | None:
        stmt = select(Referral).where(Referral.newcomer_id == newcomer_id,
                                      Referral.community_id == self.community_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get(self, referral_id: int) -> Referral | None:
        stmt = select(Referral).where(Referral.id == referral_id, Referral.community_id == self.community_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def attribute(self, sponsor_id: int, newcomer_id: int, code: str, now: datetime) -> Referral:
        row = Referral(community_id=self.community_id, sponsor_id=sponsor_id, newcomer_id=newcomer_id,
                       code=code, attributed_at=now)
        self.session.add(row)
        await self.session.flush()
        return row

    async def mark_buddy(self, referral_id: int, now: datetime) -> bool:
        result = await self.session.execute(update(Referral).where(
            Referral.id == referral_id, Referral.community_id == self.community_id,
            Referral.buddy_at.is_(None)).values(buddy_at=now))
        return bool(getattr(result, "rowcount", 0))

    async def due(self, now: datetime, stay: timedelta, limit: int = 200) -> list[Referral]:
        """Referrals that now count: the newcomer finished onboarding, joined `stay` ago or more, and is still
        here."""
        stmt = (select(Referral)
                .join(Member, Member.id == Referral.newcomer_id)
                .join(Onboarding, Onboarding.member_id == Referral.newcomer_id)
                .where(Referral.community_id == self.community_id, Referral.counted_at.is_(None),
                       Onboarding.finished_at.is_not(None), Member.joined_at <= now - stay,
                       Member.left_at.is_(None))
                .order_by(Referral.id).limit(limit))
        return list((await self.session.execute(stmt)).scalars())

    async def claim_count(self, referral_id: int, now: datetime) -> bool:
        result = await self.session.execute(update(Referral).where(
            Referral.id == referral_id, Referral.community_id == self.community_id,
            Referral.counted_at.is_(None)).values(counted_at=now))
        return bool(getattr(result, "rowcount", 0))

    async def counted(self, sponsor_id: int) -> int:
        stmt = select(func.count()).select_from(Referral).where(
            Referral.community_id == self.community_id, Referral.sponsor_id == sponsor_id,
            Referral.counted_at.is_not(None))
        return int((await self.session.execute(stmt)).scalar_one())

    async def leaderboard(self, limit: int = 10) -> list[Standing]:
        """Sponsors by referrals that count, then by those still pending."""
        sponsor = aliased(Member)
        counted = func.count(Referral.counted_at)
        pending = func.sum(case((Referral.counted_at.is_(None), 1), else_=0))
        stmt = (select(Referral.sponsor_id, sponsor.display_name, counted, pending)
                .join(sponsor, sponsor.id == Referral.sponsor_id)
                .where(Referral.community_id == self.community_id)
                .group_by(Referral.sponsor_id, sponsor.display_name)
                .order_by(counted.desc(), pending.desc(), sponsor.display_name).limit(limit))
        return [Standing(int(mid), str(name), int(c), int(p or 0))
                for mid, name, c, p in await self.session.execute(stmt)]
