"""Roles per community: who may grant what, and finding the member a facilitator means.

Rules (docs/facilitator.md): facilitators may grant and revoke the facilitator role; only administrators may
grant or revoke the admin role, or change the role of an administrator; the last administrator cannot lose
the role. Revoking sets the member back to `member`.
A member is named by a platform mention (`<@U123>`, `<@!123>`, `@[U123]`), by `#<member id>`, by platform user
id, or by display name (case-insensitive; when two members share it, the command asks for a mention).
"""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.facilitator.segments import ROLE_WORDS
from bot.identity import ROLES
from bot.store.models import Member, PlatformAccount

_MENTION = re.compile(r"^<@[!&]?([A-Za-z0-9_.:-]{1,64})(?:\|[^>]*)?>$|^@\[([A-Za-z0-9_.:-]{1,64})\]$")
_MEMBER_ID = re.compile(r"^#(\d{1,18})$")
GRANT_WORDS = frozenset({"grant", "give", "add", "donner", "accorder", "ajouter", "nommer"})
REVOKE_WORDS = frozenset({"revoke", "remove", "take", "retirer", "enlever", "revoquer", "révoquer"})


class RoleProblem(ValueError):
    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def parse_role(word: str) -> str | None:
    role = ROLE_WORDS.get(word.strip().lower())
    return role if role in ("facilitator", "admin") else None


async def find_member(session: AsyncSession, community_id: int, who: str) -> Member:
    """The one member `who` names, or RoleProblem (unknown, or several share the name)."""
    text = who.strip()
    if not text:
        raise RoleProblem("facilitator.role.no_member")
    mention = _MENTION.match(text)
    by_id = _MEMBER_ID.match(text)
    if by_id is not None:
        stmt = select(Member).where(Member.community_id == community_id, Member.id == int(by_id.group(1)))
    else:
        user = (mention.group(1) or mention.group(2)) if mention else text.lstrip("@")
        accounts = select(PlatformAccount.member_id).where(
            PlatformAccount.community_id == community_id,
            or_(PlatformAccount.external_user_id == user, func.lower(PlatformAccount.display_name) == user.lower()))
        stmt = select(Member).where(Member.community_id == community_id, or_(
            Member.id.in_(accounts), func.lower(Member.display_name) == user.lower()))
    found = list((await session.execute(stmt.order_by(Member.id).limit(3))).scalars())
    if not found:
        raise RoleProblem("facilitator.role.unknown_member", who=text[:60])
    if len(found) > 1:
        raise RoleProblem("facilitator.role.ambiguous", who=text[:60])
    return found[0]


async def admins(session: AsyncSession, community_id: int) -> int:
    return int((await session.execute(select(func.count()).select_from(Member).where(
        Member.community_id == community_id, Member.role == "admin", Member.left_at.is_(None)))).scalar_one())


async def change_role(session: AsyncSession, community_id: int, actor_role: str, target: Member, grant: bool,
                      role: str) -> str:
    """Apply a grant or a revoke; returns the target's new role. RoleProblem or PermissionError otherwise."""
    actor_level = ROLES.index(actor_role if actor_role in ROLES else "member")
    touches_admin = role == "admin" or target.role == "admin"
    if touches_admin and actor_level < ROLES.index("admin"):
        raise PermissionError("admin")
    if grant:
        if target.role == role or ROLES.index(target.role if target.role in ROLES else "member") > ROLES.index(role):
            raise RoleProblem("facilitator.role.already", name=target.display_name, role=target.role)
        new = role
    else:
        current = target.role if target.role in ROLES else "member"
        if ROLES.index(current) < ROLES.index(role):
            raise RoleProblem("facilitator.role.not_holding", name=target.display_name, role=role)
        if current == "admin" and await admins(session, community_id) <= 1:
            raise RoleProblem("facilitator.role.last_admin")
        new = "member"
    target.role = new
    await session.flush()
    return new
