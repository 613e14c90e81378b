"""Timers with an injectable clock (no sleeping): no claim within the timeout -> the next experts; after the
configured rounds -> the facilitators' channel, where anyone can take it; the asker hears at each step; one
check-in for a claimed request left unresolved; all of it persisted, so a restart between steps changes
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.testing import BotTester
from tests.unit.test_peer_help_support import attempts, find, requests, setup_community, texts, tick

EXPERTS = {"bob": ("batiment", "fr"), "carol": ("batiment", "fr"), "dave": ("batiment", "fr"),
           "erin": ("batiment", "fr")}
SETTINGS = {"AGORA_FACILITATORS": "test:fac", "AGORA_FALLBACK_CHANNELS": "test:T1=C-facilitators"}


@pytest.fixture
async def bot(database_url: str, engine: AsyncEngine, clock: ManualClock) -> AsyncIterator[BotTester]:
    async with BotTester.create(database_url, clock=clock, engine=engine, **SETTINGS) as tester:
        await setup_community(tester, EXPERTS, members=("alice", "fac", "zoe"))
        yield tester


async def _open(bot: BotTester, question: str = "Comment isoler une maison ancienne en pierre ?") -> list:  # type: ignore[type-arg]
    out = await bot.command("peer", question, as_="alice")
    return await bot.click(find(out, "Oui, Bâtiment et travaux"), as_="alice")


def _channel(replies: list) -> str:  # type: ignore[type-arg]
    return "\n".join(r.text for r in replies if r.message.channel_id == "C-facilitators")


async def test_no_claim_goes_to_next_experts_then_to_facilitators(bot: BotTester, clock: ManualClock) -> None:
    await _open(bot)
    [req] = await requests(bot)
    first = await attempts(bot, req.id)
    assert len(first) == 3

    clock.advance(hours=3, minutes=59)
    assert await tick(bot) == []  # not yet
    assert len(await attempts(bot, req.id)) == 3

    clock.advance(minutes=2)
    out = await tick(bot)
    second = await attempts(bot, req.id)
    [newcomer] = set(second) - set(first)
    assert all(second[name] == "expired" for name in first)
    assert "isoler une maison" in texts(out, newcomer)
    assert "autre(s) expert(s)" in texts(out, "alice")
    [req] = await requests(bot)
    assert req.round == 2 and req.escalated_at is None

    await tick(bot)  # nothing due: nothing happens twice
    assert len(await attempts(bot, req.id)) == 4

    clock.advance(hours=4, minutes=1)
    out = await tick(bot)
    assert "isoler une maison" in _channel(out) and "Alice" in _channel(out)
    assert "animateurs" in texts(out, "alice")
    [req] = await requests(bot)
    assert req.escalated_at is not None and req.status == "open" and req.next_action_at is None

    # Anyone in the facilitators' channel may take it; an early expert's button still works too.
    taken = await bot.click(find(out, "Je m'en occupe"), as_="zoe", channel="C-facilitators")
    assert "prend votre demande" in texts(taken, "alice")
    [req] = await requests(bot)
    assert req.status == "claimed"

    clock.advance(days=3, minutes=1)
    out = await tick(bot)
    assert "a-t-il pu vous aider" in texts(out, "alice")
    clock.advance(days=3)
    assert not [r for r in await tick(bot) if r.user_id == "alice"]  # one check-in only

    # "Ask someone else" after the check-in: the request opens again for experts not asked yet.
    again = await bot.click(find(out, "Demander à quelqu'un d'autre", "alice"), as_="alice")
    [req] = await requests(bot)
    assert req.status == "open" and req.expert_id is None
    assert "quelqu'un d'autre" in texts(again, "zoe")


async def test_everyone_saying_not_me_moves_on_at_once(bot: BotTester) -> None:
    out = await _open(bot)
    [req] = await requests(bot)
    asked = list(await attempts(bot, req.id))
    for name in asked[:-1]:
        await bot.click(find(out, "Pas moi", name), as_=name)
    assert len(await attempts(bot, req.id)) == 3
    last = await bot.click(find(out, "Pas moi", asked[-1]), as_=asked[-1])
    now_asked = await attempts(bot, req.id)
    assert len(now_asked) == 4 and all(now_asked[n] == "declined" for n in asked)
    [newcomer] = set(now_asked) - set(asked)
    assert "isoler une maison" in texts(last, newcomer)
    again = await bot.click(find(out, "Pas moi", asked[0]), as_=asked[0])
    assert "n'attend plus" in again[-1].text


async def test_timers_survive_a_restart(database_url: str, engine: AsyncEngine, clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine, **SETTINGS) as first:
        await setup_community(first, EXPERTS, members=("alice", "fac", "zoe"))
        out = await _open(first)
    [req] = await requests(first)
    clock.advance(hours=5)
    async with BotTester.create(database_url, clock=clock, **SETTINGS) as second:
        await tick(second)
        assert len(await attempts(second, req.id)) == 4
        # A button sent before the restart still works after it.
        name = next(n for n, outcome in (await attempts(second, req.id)).items() if outcome == "expired")
        taken = await second.click(find(out, "Je m'en occupe", name), as_=name)
        assert "est à vous" in texts(taken, name)
