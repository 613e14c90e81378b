"""Faults and bad input: two experts claiming at the same moment from two processes (exactly one wins), the
expert turning away or leaving mid-request, the asker leaving, closed DMs, stale or garbled buttons, odd and
huge text. State stays consistent and everyone gets a clear message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.events import ConversationRef, MemberLeft, Sender
from bot.replies import OutboundButton, encode_action
from bot.testing import BotTester
from tests.unit.test_peer_help_support import (
    attempts,
    close_dms,
    find,
    requests,
    set_member,
    setup_community,
    texts,
)

EXPERTS = {"bob": ("batiment", "fr"), "carol": ("batiment", "fr"), "dave": ("batiment", "fr"),
           "erin": ("batiment", "fr")}
SETTINGS = {"AGORA_FACILITATORS": "test:fac", "AGORA_FALLBACK_CHANNELS": "test:T1=C-facilitators"}
QUESTION = "Comment isoler une maison ancienne en pierre ?"


@pytest.fixture
async def bot(database_url: str, engine: AsyncEngine, clock: ManualClock) -> AsyncIterator[BotTester]:
    async with BotTester.create(database_url, clock=clock, engine=engine, **SETTINGS) as tester:
        await setup_community(tester, EXPERTS, members=("alice", "fac"))
        yield tester


async def _open(bot: BotTester) -> list:  # type: ignore[type-arg]
    out = await bot.command("peer", QUESTION, as_="alice")
    return await bot.click(find(out, "Oui, Bâtiment et travaux"), as_="alice")


def _leave(bot: BotTester, user: str) -> MemberLeft:
    return MemberLeft(platform="test", event_id=f"left-{user}", ref=ConversationRef("test", "T1", "C-general", user),
                      sender=Sender(user, user.capitalize()), ts=bot.clock.now())


async def test_two_simultaneous_claims_from_two_processes_make_exactly_one_winner(
        database_url: str, engine: AsyncEngine, clock: ManualClock) -> None:
    async with BotTester.create(database_url, clock=clock, engine=engine, **SETTINGS) as one:
        await setup_community(one, EXPERTS, members=("alice",))
        out = await _open(one)
        [req] = await requests(one)
        first, second = list(await attempts(one, req.id))[:2]
        async with BotTester.create(database_url, clock=clock, **SETTINGS) as two:
            before = len(one.adapter.sent), len(two.adapter.sent)
            await asyncio.gather(one.click(find(out, "Je m'en occupe", first), as_=first),
                                 two.click(find(out, "Je m'en occupe", second), as_=second))
            await one.app.sender.drain("test")
            await two.app.sender.drain("test")
            # The outbox is shared: either process may deliver either's messages.
            sent = one.adapter.sent[before[0]:] + two.adapter.sent[before[1]:]
            said = [texts(sent, first), texts(sent, second)]
            assert sum("est à vous" in s for s in said) == 1
            assert sum("plus rapide" in s for s in said) == 1
            [req] = await requests(one)
            outcomes = await attempts(one, req.id)
            assert req.status == "claimed" and list(outcomes.values()).count("claimed") == 1
            winner = first if "est à vous" in said[0] else second
            assert req.expert_id is not None and outcomes[winner] == "claimed"


async def test_expert_turning_away_mid_request_hands_it_on(bot: BotTester) -> None:
    out = await _open(bot)
    [req] = await requests(bot)
    asked = list(await attempts(bot, req.id))
    await bot.click(find(out, "Je m'en occupe", asked[0]), as_=asked[0])
    out = await bot.command("expert", "away jusqu'au 2026-02-01", as_=asked[0])
    assert "2026-02-01" in texts(out, asked[0]) and "1" in texts(out, asked[0])
    assert "n'est plus disponible" in texts(out, "alice")
    [req] = await requests(bot)
    assert req.status == "open" and req.expert_id is None and req.round == 2
    now_asked = await attempts(bot, req.id)
    assert set(now_asked) == set(EXPERTS)  # the one expert not asked yet gets it now
    # The away expert's messages are no longer relayed; Alice's neither.
    out = await bot.say("Vous êtes là ?", as_="alice")
    assert not [r for r in out if r.user_id == asked[0]]
    # Away experts are not offered new requests.
    await bot.command("peer", "Quel plombier pour une fuite sous l'évier ?", as_="alice")
    out = await bot.click(find(bot.adapter.sent, "Oui, Bâtiment et travaux", "alice"), as_="alice")
    assert not [r for r in out if r.user_id == asked[0]]


async def test_expert_leaving_mid_request_and_asker_leaving(bot: BotTester) -> None:
    out = await _open(bot)
    [req] = await requests(bot)
    asked = list(await attempts(bot, req.id))
    await bot.click(find(out, "Je m'en occupe", asked[0]), as_=asked[0])
    out = await bot.send_event(_leave(bot, asked[0]))
    assert "a quitté la communauté" in texts(out, "alice")
    [req] = await requests(bot)
    assert req.status == "open" and req.expert_id is None

    out = await bot.send_event(_leave(bot, "alice"))
    [req] = await requests(bot)
    assert req.status == "cancelled" and req.next_action_at is None
    pending = [n for n, o in (await attempts(bot, req.id)).items() if o == "withdrawn"]
    assert pending and all("a quitté la communauté" in texts(out, n) for n in pending)
    late = await bot.click(find(bot.adapter.sent, "Je m'en occupe", pending[0]), as_=pending[0])
    assert "close" in late[-1].text


async def test_closed_dms_are_skipped_and_nobody_left_goes_to_facilitators(bot: BotTester) -> None:
    for name in ("bob", "carol", "dave"):
        await close_dms(bot, name)
    await _open(bot)
    [req] = await requests(bot)
    assert set(await attempts(bot, req.id)) == {"erin"}
    await close_dms(bot, "erin")
    await set_member(bot, "erin", is_expert=False)
    out = await bot.command("peer", "Faut-il un permis pour une extension de maison ?", as_="alice")
    out = await bot.click(find(out, "Oui, Bâtiment et travaux"), as_="alice")
    assert "animateurs" in texts(out, "alice")
    assert any(r.message.channel_id == "C-facilitators" for r in out)


async def test_bad_input_gets_clear_messages(bot: BotTester) -> None:
    out = await bot.command("peer", "🎉🎉🎉", as_="alice")
    assert "Écrivez votre question" in out[-1].text
    out = await bot.command("peer", "x" * 5000, as_="alice")
    assert "trop longue" in out[-1].text
    for value in ("abc", "99999999", "", "1:2:3", "9" * 40):
        out = await bot.click(OutboundButton("x", encode_action("help.take", value)), as_="bob")
        assert "plus valable" in out[-1].text
        out = await bot.click(OutboundButton("x", encode_action("help.sector", value)), as_="alice")
        assert "plus valable" in out[-1].text
    out = await bot.command("expert", "away until 32/13", as_="bob")
    assert "pas compris cette date" in out[-1].text
    out = await bot.command("expert", "maybe", as_="bob")
    assert "expert on" in out[-1].text
    # Someone else's request: cannot confirm, resolve or cancel it; cannot take one's own.
    out = await bot.command("peer", QUESTION, as_="alice")
    sector_button = find(out, "Oui, Bâtiment et travaux")
    out = await bot.click(sector_button, as_="bob")
    assert "plus valable" in out[-1].text
    opened = await bot.click(sector_button, as_="alice")
    again = await bot.click(sector_button, as_="alice")
    assert "déjà en route" in again[-1].text
    [req] = await requests(bot)
    own = await bot.click(OutboundButton("x", encode_action("help.take", str(req.id))), as_="alice")
    assert "votre propre demande" in own[-1].text
    out = await bot.click(OutboundButton("x", encode_action("help.cancel", str(req.id))), as_="bob")
    assert "plus valable" in out[-1].text
    out = await bot.click(find(opened, "Annuler", "alice"), as_="alice")
    assert "annulée" in texts(out, "alice")
    [req] = await requests(bot)
    assert req.status == "cancelled"
