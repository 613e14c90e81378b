"""Shared pieces of the onboarding, directory and referral tests: a small sector taxonomy, finding a button by
its label, and reading the database the way an operator would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.replies import OutboundButton
from bot.sector_import import import_sectors
from bot.store.models import Member
from bot.store.taxonomy import SectorSpec
from bot.testing import BotTester, Delivered

SECTORS = [
    SectorSpec("batiment", "Bâtiment et travaux", "Building and construction",
               tags=("plomberie", "isolation"), channel="batiment"),
    SectorSpec("numerique", "Numérique", "Digital", tags=("site web", "réseaux sociaux"),
               channel="numerique"),
    SectorSpec("gestion", "Gestion et droit", "Management and law"),
]


async def add_sectors(bot: BotTester, community: str = "test") -> None:
    await import_sectors(bot.app.services.sessions, community, SECTORS, bot.clock.now())


def button(replies: list[Delivered], label: str) -> OutboundButton:
    """The button called `label` (a ✓ in front does not matter) in the last reply that has buttons."""
    for reply in reversed(replies):
        for found in reply.buttons:
            if found.label.removeprefix("✓ ") == label:
                return found
        if reply.buttons:
            raise AssertionError(f"no button {label!r} in {[b.label for b in reply.buttons]}")
    raise AssertionError(f"no reply with buttons in {[r.text for r in replies]}")


def labels(reply: Delivered) -> list[str]:
    return [b.label for b in reply.buttons]


def to(replies: list[Delivered], user: str) -> list[Delivered]:
    return [r for r in replies if r.user_id == user]


async def member_row(engine: AsyncEngine, name: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(select(Member).where(Member.display_name == name))).one()
