"""The unit of work: one transaction, with the repositories of one community bound to it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.repositories import Audit, CommunityDirectory, Conversations, Members, Sectors


class UnitOfWork:
    """`async with UnitOfWork(sessions) as uow:` commits on success and rolls back on error."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        await self._session.begin()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._session is not None
        try:
            if exc_type is None:
                await self._session.commit()
            else:
                await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `async with`")
        return self._session

    @property
    def directory(self) -> CommunityDirectory:
        return CommunityDirectory(self.session)

    def members(self, community_id: int) -> Members:
        return Members(self.session, community_id)

    def sectors(self, community_id: int) -> Sectors:
        return Sectors(self.session, community_id)

    def conversations(self, community_id: int) -> Conversations:
        return Conversations(self.session, community_id)

    def audit(self, community_id: int) -> Audit:
        return Audit(self.session, community_id)
