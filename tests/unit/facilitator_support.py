"""Helpers for the facilitator tests: a tester where `fac` is an administrator from the settings, files go to
a temporary folder, and members are put in sectors straight in the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.store.models import Member, PlatformAccount
from bot.store.uow import UnitOfWork
from bot.testing import BotTester


@asynccontextmanager
async def console(database_url: str, engine: AsyncEngine, clock: ManualClock,
                  data_dir: Path, **extra: object) -> AsyncIterator[BotTester]:
    async with BotTester.create(database_url, clock=clock, engine=engine, AGORA_FACILITATORS="test:fac",
                                AGORA_DATA_DIR=str(data_dir), **extra) as tester:
        yield tester


async def member_id(bot: BotTester, user: str) -> int:
    async with UnitOfWork(bot.app.services.sessions) as uow:
        found = (await uow.session.execute(select(PlatformAccount.member_id).where(
            PlatformAccount.external_user_id == user))).scalar_one()
        return int(found)


async def put_in_sector(bot: BotTester, slug: str, *users: str) -> None:
    async with UnitOfWork(bot.app.services.sessions) as uow:
        community_id = (await uow.session.execute(select(Member.community_id).limit(1))).scalar_one()
        sectors = uow.sectors(community_id)
        sector = await sectors.by_slug(slug) or await sectors.add(slug, slug.title(), slug.title())
        for user in users:
            mid = (await uow.session.execute(select(PlatformAccount.member_id).where(
                PlatformAccount.external_user_id == user))).scalar_one()
            await sectors.add_member(sector.id, mid)


def texts(delivered: list) -> str:  # type: ignore[type-arg]
    return "\n".join(d.text for d in delivered)
