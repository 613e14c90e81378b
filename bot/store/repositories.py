"""Repositories: the only place that writes SQL for the domain. Each one is bound to one community, so a
query cannot cross tenants by forgetting a filter. The lookup of a workspace by its platform id is the one
unscoped read: it is how an inbound event finds its community."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import (
    AuditLog,
    Community,
    ConversationState,
    Member,
    MemberSector,
    PlatformAccount,
    Sector,
    Workspace,
)


class CommunityDirectory:
    """Communities and workspaces: how an event from a platform finds its tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_slug(self, slug: str) -> Community | None:
        return (await self.session.execute(select(Community).where(Community.slug == slug))).scalar_one_or_none()

    async def get(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def all(self) -> list[Community]:
        return list((await self.session.execute(select(Community).order_by(Community.id))).scalars())

    async def create(self, slug: str, name: str, now: datetime, locale: str = "fr",
                     timezone: str = "Europe/Paris") -> Community:
        community = Community(slug=slug, name=name, default_locale=locale, timezone=timezone, created_at=now)
        self.session.add(community)
        await self.session.flush()
        return community

    async def workspace(self, platform: str, external_id: str) -> Workspace | None:
        stmt = select(Workspace).where(Workspace.platform == platform, Workspace.external_id == external_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add_workspace(self, community_id: int, platform: str, external_id: str, now: datetime,
                            name: str = "") -> Workspace:
        ws = Workspace(community_id=community_id, platform=platform, external_id=external_id, name=name,
                       created_at=now)
        self.session.add(ws)
        await self.session.flush()
        return ws


class Members:
    """Members and their platform accounts, in one community."""

    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def get(self, member_id: int) -> Member | None:
        stmt = select(Member).where(Member.id == member_id, Member.community_id == self.community_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def account(self, workspace_id: int, external_user_id: str) -> PlatformAccount | None:
        stmt = select(PlatformAccount).where(
            PlatformAccount.community_id == self.community_id,
            PlatformAccount.workspace_id == workspace_id,
            PlatformAccount.external_user_id == external_user_id,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def accounts_of(self, member_id: int) -> list[PlatformAccount]:
        stmt = select(PlatformAccount).where(
            PlatformAccount.community_id == self.community_id, PlatformAccount.member_id == member_id
        ).order_by(PlatformAccount.id)
        return list((await self.session.execute(stmt)).scalars())

    async def create(self, *, display_name: str, now: datetime, locale: str | None = None,
                     role: str = "member") -> Member:
        member = Member(community_id=self.community_id, display_name=display_name, locale=locale, role=role,
                        joined_at=now, is_expert=False)
        self.session.add(member)
        await self.session.flush()
        return member

    async def add_account(self, member_id: int, workspace: Workspace, external_user_id: str, now: datetime,
                          display_name: str = "") -> PlatformAccount:
        account = PlatformAccount(community_id=self.community_id, member_id=member_id,
                                  workspace_id=workspace.id, platform=workspace.platform,
                                  external_user_id=external_user_id, display_name=display_name, created_at=now)
        self.session.add(account)
        await self.session.flush()
        return account

    async def by_name(self, name: str) -> Member | None:
        stmt = select(Member).where(
            Member.community_id == self.community_id, func.lower(Member.display_name) == name.lower()
        ).order_by(Member.id).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def set_fields(self, member_id: int, **values: Any) -> None:
        await self.session.execute(
            update(Member).where(Member.id == member_id, Member.community_id == self.community_id).values(**values)
        )

    async def mark_unreachable(self, platform: str, external_user_id: str, now: datetime) -> None:
        await self.session.execute(
            update(PlatformAccount)
            .where(PlatformAccount.community_id == self.community_id, PlatformAccount.platform == platform,
                   PlatformAccount.external_user_id == external_user_id)
            .values(unreachable_at=now)
        )

    async def count(self) -> int:
        stmt = select(func.count()).select_from(Member).where(Member.community_id == self.community_id)
        return int((await self.session.execute(stmt)).scalar_one())


class Sectors:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def active(self) -> list[Sector]:
        stmt = select(Sector).where(Sector.community_id == self.community_id, Sector.retired_at.is_(None))
        return list((await self.session.execute(stmt.order_by(Sector.id))).scalars())

    async def by_slug(self, slug: str) -> Sector | None:
        stmt = select(Sector).where(Sector.community_id == self.community_id, Sector.slug == slug)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, slug: str, name_fr: str, name_en: str, description: str = "",
                  examples: list[str] | None = None) -> Sector:
        sector = Sector(community_id=self.community_id, slug=slug, name_fr=name_fr, name_en=name_en,
                        description=description, examples=list(examples or []))
        self.session.add(sector)
        await self.session.flush()
        return sector

    async def add_member(self, sector_id: int, member_id: int) -> None:
        """Put a member in a sector (nothing happens if they are already in it)."""
        if await self.session.get(MemberSector, (member_id, sector_id)) is None:
            self.session.add(MemberSector(member_id=member_id, sector_id=sector_id,
                                          community_id=self.community_id))
            await self.session.flush()


class Conversations:
    """Multi-step conversation rows: one per (member, kind), with an expiry."""

    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def get(self, member_id: int, kind: str, now: datetime) -> ConversationState | None:
        stmt = select(ConversationState).where(
            ConversationState.community_id == self.community_id,
            ConversationState.member_id == member_id,
            ConversationState.kind == kind,
        )
        state = (await self.session.execute(stmt)).scalar_one_or_none()
        if state is None:
            return None
        expires = state.expires_at if state.expires_at.tzinfo else state.expires_at.replace(tzinfo=now.tzinfo)
        if expires <= now:
            await self.session.delete(state)
            return None
        return state

    async def put(self, member_id: int, kind: str, step: str, data: dict[str, Any], now: datetime,
                  ttl: timedelta) -> ConversationState:
        stmt = select(ConversationState).where(
            ConversationState.community_id == self.community_id,
            ConversationState.member_id == member_id,
            ConversationState.kind == kind,
        )
        state = (await self.session.execute(stmt)).scalar_one_or_none()
        if state is None:
            state = ConversationState(community_id=self.community_id, member_id=member_id, kind=kind, step=step,
                                      data=data, expires_at=now + ttl, updated_at=now)
            self.session.add(state)
        else:
            state.step, state.data, state.expires_at, state.updated_at = step, dict(data), now + ttl, now
        await self.session.flush()
        return state

    async def end(self, member_id: int, kind: str) -> None:
        await self.session.execute(
            delete(ConversationState).where(
                ConversationState.community_id == self.community_id,
                ConversationState.member_id == member_id,
                ConversationState.kind == kind,
            )
        )

    async def purge_expired(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(ConversationState).where(
                ConversationState.community_id == self.community_id, ConversationState.expires_at <= now
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


class Audit:
    def __init__(self, session: AsyncSession, community_id: int) -> None:
        self.session = session
        self.community_id = community_id

    async def record(self, actor_member_id: int | None, action: str, now: datetime, target: str = "",
                     **details: Any) -> None:
        self.session.add(AuditLog(community_id=self.community_id, actor_member_id=actor_member_id,
                                  action=action, target=target, details=details, ts=now))

    async def recent(self, limit: int = 50) -> list[AuditLog]:
        stmt = (select(AuditLog).where(AuditLog.community_id == self.community_id)
                .order_by(AuditLog.id.desc()).limit(limit))
        return list((await self.session.execute(stmt)).scalars())
