"""Who is talking: the resolved member, cached, and how a platform account becomes a member.

A cache keeps the hot path free of reads (a member's id, community, locale and role); entries expire after a
short time so that another process's changes (a role granted, a language switched) are picked up.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.events import Event
from bot.i18n import normalise_locale
from bot.store.models import Workspace
from bot.store.uow import UnitOfWork

ROLES = ("member", "facilitator", "admin")


@dataclass(frozen=True, slots=True)
class MemberInfo:
    id: int
    community_id: int
    display_name: str
    locale: str | None
    role: str
    account_id: int
    workspace_id: int

    def has_role(self, needed: str) -> bool:
        return ROLES.index(self.role if self.role in ROLES else "member") >= ROLES.index(needed)


@dataclass(frozen=True, slots=True)
class CommunityInfo:
    id: int
    slug: str
    name: str
    default_locale: str
    timezone: str


class _TTLCache:
    def __init__(self, size: int, ttl: float, clock: Clock) -> None:
        self._data: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._size, self._ttl, self._clock = size, ttl, clock

    def get(self, key: Any) -> Any:
        hit = self._data.get(key)
        if hit is None or hit[0] < self._clock.monotonic():
            return None
        self._data.move_to_end(key)
        return hit[1]

    def put(self, key: Any, value: Any) -> None:
        self._data[key] = (self._clock.monotonic() + self._ttl, value)
        self._data.move_to_end(key)
        if len(self._data) > self._size:
            self._data.popitem(last=False)

    def drop(self, key: Any) -> None:
        self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()


class Identities:
    """Resolves (platform, workspace, user) to a member, creating the member on first sight."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *, default_community: str | None,
                 facilitator_ids: set[str] | None = None, ttl: float = 60.0, size: int = 100_000,
                 workspace_map: dict[tuple[str, str], str] | None = None,
                 fallback_channel: Callable[[str, str], str | None] | None = None, cold_lookups: int = 8) -> None:
        self._sessions = sessions
        self._clock = clock
        self._default_community = default_community
        self._facilitators = facilitator_ids or set()
        self._workspace_map = workspace_map or {}
        self._fallback_channel = fallback_channel
        self._members = _TTLCache(size, ttl, clock)
        self._workspaces = _TTLCache(10_000, ttl, clock)
        self._communities = _TTLCache(1_000, ttl, clock)
        self._locks: dict[Any, asyncio.Lock] = {}
        # Which cached accounts belong to a member: a change made on one platform (language, role, a link)
        # must not leave the member's other accounts answering with the old value until the cache expires.
        self._keys_of: dict[int, set[Any]] = {}
        # Cache misses read the store (a session, two queries): a burst of them (a restart under load) is
        # CPU-bound, and letting all of them in at once only adds connections and thread switches. A few
        # at a time serve the burst as fast and bound its tail (bench/pipeline.py, warmup phase).
        self._cold = asyncio.Semaphore(cold_lookups)

    def forget(self, platform: str, workspace: str, user: str) -> None:
        self._members.drop((platform, workspace, user))

    def forget_member(self, member_id: int) -> None:
        """Drop every cached account of `member_id` (all platforms): their next event reads the store."""
        for key in self._keys_of.pop(member_id, ()):
            self._members.drop(key)

    def forget_all(self) -> None:
        self._keys_of.clear()
        self._members.clear()
        self._workspaces.clear()
        self._communities.clear()

    async def community(self, community_id: int) -> CommunityInfo | None:
        info: CommunityInfo | None = self._communities.get(community_id)
        if info is None:
            async with UnitOfWork(self._sessions) as uow:
                row = await uow.directory.get(community_id)
                if row is None:
                    return None
                info = CommunityInfo(row.id, row.slug, row.name, row.default_locale, row.timezone)
            self._communities.put(community_id, info)
        return info

    async def workspace(self, platform: str, external_id: str) -> tuple[int, int] | None:
        """(workspace id, community id) for a platform workspace; joins the default community if unknown."""
        key = (platform, external_id)
        hit: tuple[int, int] | None = self._workspaces.get(key)
        if hit is not None:
            return hit
        async with self._lock(key):
            async with UnitOfWork(self._sessions) as uow:
                ws = await uow.directory.workspace(platform, external_id)
                if ws is None:
                    # Several communities: only listed workspaces are served. One: everyone joins it.
                    slug = self._workspace_map.get(key) if self._workspace_map else self._default_community
                    if slug is None:
                        return None
                    community = await uow.directory.by_slug(slug)
                    if community is None:
                        return None
                    ws = await uow.directory.add_workspace(community.id, platform, external_id, self._clock.now())
                    if self._fallback_channel is not None:
                        ws.fallback_channel_id = self._fallback_channel(platform, external_id)
                hit = (ws.id, ws.community_id)
        self._workspaces.put(key, hit)
        return hit

    async def resolve(self, event: Event) -> MemberInfo | None:
        ref, sender = event.ref, event.sender
        key = (event.platform, ref.workspace_id, sender.user_id)
        info: MemberInfo | None = self._members.get(key)
        if info is not None:
            return info
        ws = await self.workspace(event.platform, ref.workspace_id)
        if ws is None:
            return None
        workspace_id, community_id = ws
        async with self._lock(key), self._cold:
            for _ in range(2):
                try:
                    info = await self._load_or_create(event, workspace_id, community_id)
                    break
                except IntegrityError:  # another process created it between our read and our write
                    continue
        if info is not None:
            self._members.put(key, info)
            if len(self._keys_of) > 200_000:  # evicted members leave stale index entries: start afresh
                self._keys_of.clear()
            self._keys_of.setdefault(info.id, set()).add(key)
        return info

    async def _load_or_create(self, event: Event, workspace_id: int, community_id: int) -> MemberInfo | None:
        sender = event.sender
        now = self._clock.now()
        async with UnitOfWork(self._sessions) as uow:
            members = uow.members(community_id)
            account = await members.account(workspace_id, sender.user_id)
            if account is None:
                role = "member"
                if f"{event.platform}:{sender.user_id}" in self._facilitators:
                    role = "admin"
                elif sender.is_platform_admin:
                    role = "facilitator"
                member = await members.create(display_name=sender.display_name or sender.user_id, now=now,
                                              locale=normalise_locale(sender.locale), role=role)
                ws = await uow.session.get_one(Workspace, workspace_id)
                account = await members.add_account(member.id, ws, sender.user_id, now, sender.display_name)
            else:
                found = await members.get(account.member_id)
                if found is None:
                    return None
                member = found
            return MemberInfo(member.id, community_id, member.display_name, member.locale, member.role,
                              account.id, workspace_id)

    def update_cached(self, platform: str, workspace: str, user: str, **changes: Any) -> None:
        key = (platform, workspace, user)
        info = self._members.get(key)
        if info is not None:
            self._members.put(key, replace(info, **changes))

    def _lock(self, key: Any) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            if len(self._locks) > 10_000:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            lock = self._locks[key] = asyncio.Lock()
        return lock

