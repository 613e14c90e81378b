"""`/agora <sub> ...` on Slack and Discord reaches the facilitators' two-word commands (`agora faq add ...`)
as well as the members' single-word ones (`/agora aide`): the adapters hand the whole line to the core's
router, which alone knows the commands. A member gets the polite refusal; nothing is added."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.faq_models import FaqEntry
from bot.store.models import Member
from tests.contract.harness import Harness, wait_for


@pytest.fixture(params=["slack", "discord"])
async def h(request: pytest.FixtureRequest, database_url: str, engine: AsyncEngine) -> AsyncIterator[Harness]:
    module = importlib.import_module(f"tests.contract.{request.param}_harness")
    async with module.harness(database_url, engine) as started:
        yield started


async def entries(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(FaqEntry)) or 0)


async def test_agora_faq_add_is_the_facilitators_command(h: Harness, engine: AsyncEngine) -> None:
    await h.command("U2", "faq", "add Quand a lieu l'AG ? = Le 12 mars.")
    await wait_for(h, lambda s: "réservée aux animateurs" in s.text)
    assert await entries(engine) == 0
    await h.command("U2", "aide")
    await wait_for(h, lambda s: "Voici ce que je peux faire" in s.text)

    async with engine.begin() as conn:  # U2 becomes a facilitator (as `/agora role grant` would make them)
        await conn.execute(update(Member).values(role="facilitator"))
    h.app.services.identities.forget_all()
    await h.command("U2", "faq", "add Quand a lieu l'AG ? = Le 12 mars.")
    await wait_for(h, lambda s: "ajoutée" in s.text)
    assert await entries(engine) == 1
    await h.command("U2", "faq", "list")
    await wait_for(h, lambda s: "Entrées de la FAQ (1)" in s.text)
