"""Closing the loop: the asker marks the request resolved (and may thank the expert: kudos are counted),
cancels it, or after the check-in asks someone else; the expert may hand it back, or propose their answer
as an FAQ entry, which a facilitator approves or rejects (audited)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.context import Context
from bot.faq.store import EntryData, FaqStore
from bot.replies import Button, Visibility
from bot.store.models import Sector
from bot.store.repositories import Conversations
from handlers.peer_help import claiming, routing
from handlers.peer_help.common import (
    MAX_RELAYED,
    PROPOSAL,
    RELAY,
    RELAY_TTL,
    asked_by_member,
    claim_timeout,
    facilitator_channels,
    person,
    quote,
    settings,
    store,
    tell,
)


async def resolve(ctx: Context, rid: int) -> None:
    found = await asked_by_member(ctx, rid)
    if found is None:
        return
    requests, row = found
    if not await requests.resolve(rid, ctx.member.id, ctx.clock.now()):
        ctx.say("help_req.done.not_claimed" if row.status == "open" else "help_req.done.already", id=rid)
        return
    await requests.refresh(row)
    await claiming.end_relay(ctx, row)
    expert = await person(ctx, row.expert_id)
    ctx.say("help_req.done.ok", id=rid, buttons=[
        Button(ctx.t("help_req.button.thanks"), "help.thanks", value=str(rid), style="primary")])
    if expert is not None:
        tell(ctx, expert, "help_req.done.expert", [
            Button(expert.t(ctx)("help_req.button.propose"), "help.propose", value=str(rid))], id=rid)


async def cancel(ctx: Context, rid: int) -> None:
    found = await asked_by_member(ctx, rid)
    if found is None:
        return
    requests, row = found
    pending = await requests.pending(rid)
    if not await requests.cancel(rid, ctx.clock.now(), asker_id=ctx.member.id):
        ctx.say("help_req.cancel.already", id=rid)
        return
    ctx.say("help_req.cancel.ok", id=rid)
    await claiming.end_relay(ctx, row)
    for expert_id in {*pending, *([row.expert_id] if row.expert_id else [])}:
        tell(ctx, await person(ctx, expert_id), "help_req.cancel.expert", id=rid)


async def thank(ctx: Context, rid: int) -> None:
    found = await asked_by_member(ctx, rid)
    if found is None:
        return
    requests, row = found
    if not await requests.thank(rid, ctx.member.id, ctx.clock.now()):
        ctx.say("help_req.thanks.already")
        return
    ctx.say("help_req.thanks.ok")
    tell(ctx, await person(ctx, row.expert_id), "help_req.thanks.expert", id=rid,
         name=quote(ctx.member.display_name, 80))


async def reopen(ctx: Context, rid: int) -> None:
    """After the check-in, the asker wants someone else: the expert is told, the next round starts."""
    found = await asked_by_member(ctx, rid)
    if found is None:
        return
    requests, row = found
    expert_id = row.expert_id
    conf = await settings(ctx)
    if not await requests.reopen(rid, ctx.member.id, ctx.clock.now() + claim_timeout(conf)):
        ctx.say("help_req.done.already", id=rid)
        return
    if expert_id is not None:
        await claiming.end_relay_for(ctx, row, expert_id)
        tell(ctx, await person(ctx, expert_id), "help_req.reopened.expert", id=rid)
    await requests.refresh(row)
    await routing.run_round(ctx, row, conf)


async def hand_back(ctx: Context, rid: int) -> None:
    assert ctx.member is not None
    row = await (await store(ctx)).get(rid)
    if row is None or row.expert_id != ctx.member.id or row.status != "claimed":
        ctx.say("help_req.stale")
        return
    await claiming.release(ctx, row, ctx.member.id, "help_req.released.asker")
    ctx.say("help_req.released.expert", id=rid)


async def focus(ctx: Context, rid: int) -> None:
    """An expert holding several requests chooses which one their next messages go to."""
    assert ctx.member is not None
    row = await (await store(ctx)).get(rid)
    if row is None or row.status != "claimed" or ctx.member.id not in (row.asker_id, row.expert_id):
        ctx.say("help_req.stale")
        return
    await claiming.relay_to(ctx, ctx.member.id, rid, ctx.clock.now())
    ctx.say("help_req.focus.ok", id=rid)


# --- FAQ proposals ---------------------------------------------------------------------------------------
async def start_proposal(ctx: Context, rid: int) -> None:
    assert ctx.member is not None
    row = await (await store(ctx)).get(rid)
    if row is None or row.expert_id != ctx.member.id or row.status != "resolved" or \
            row.faq_status in ("approved", "rejected"):
        ctx.say("help_req.stale")
        return
    uow = await ctx.uow()
    await Conversations(uow.session, ctx.community_id).put(ctx.member.id, PROPOSAL, "answer", {"request": rid},
                                                           ctx.clock.now(), timedelta(days=2))
    ctx.say("help_req.propose.prompt", id=rid, visibility=Visibility.DM)


async def receive_proposal(ctx: Context, rid: int, text: str) -> None:
    assert ctx.member is not None
    uow = await ctx.uow()
    await Conversations(uow.session, ctx.community_id).end(ctx.member.id, PROPOSAL)
    requests = await store(ctx)
    answer = text.strip()[:MAX_RELAYED]
    if not await requests.propose_faq(rid, ctx.member.id, answer):
        ctx.say("help_req.stale")
        return
    row = await requests.get(rid)
    assert row is not None
    locale = ctx.community.default_locale if ctx.community else ctx.locale
    t = ctx.services.translator(locale)
    buttons = [Button(t("help_req.button.approve"), "help.faq_ok", value=str(rid), style="primary"),
               Button(t("help_req.button.reject"), "help.faq_no", value=str(rid), style="danger")]
    params = {"id": rid, "name": quote(ctx.member.display_name, 80), "question": quote(row.question),
              "answer": quote(answer, MAX_RELAYED)}
    for channel in await facilitator_channels(ctx):
        ctx.reply(t("help_req.propose.review", **params), buttons=buttons, target=channel)
    ctx.say("help_req.propose.sent", id=rid)


async def decide(ctx: Context, rid: int, approved: bool) -> None:
    """A facilitator approves (the entry joins the FAQ) or rejects a proposed answer; audited."""
    assert ctx.member is not None
    requests = await store(ctx)
    row = await requests.get(rid)
    if row is None or row.faq_status != "proposed" or not row.faq_answer:
        ctx.say("help_req.review.done", visibility=Visibility.EPHEMERAL)
        return
    if not await requests.decide_faq(rid, approved):
        ctx.say("help_req.review.done", visibility=Visibility.EPHEMERAL)
        return
    uow = await ctx.uow()
    now = ctx.clock.now()
    if approved:
        sector = (await uow.session.execute(select(Sector.slug).where(
            Sector.id == row.sector_id, Sector.community_id == ctx.community_id))).scalar_one_or_none() \
            if row.sector_id is not None else None
        await FaqStore(uow.session, ctx.community_id).upsert(
            [EntryData(key=f"help-{rid}", question=row.question, answer=row.faq_answer, sector=sector,
                       lang=row.lang)], now)
    await uow.audit(ctx.community_id).record(ctx.member.id, "help.faq_approved" if approved else "help.faq_rejected",
                                             now, target=f"help-{rid}")
    ctx.say("help_req.review.approved" if approved else "help_req.review.rejected", id=rid)
    tell(ctx, await person(ctx, row.expert_id),
         "help_req.review.expert_ok" if approved else "help_req.review.expert_no", id=rid)


async def relayed(ctx: Context, text: str) -> bool:
    """A DM from a member in a relay or writing an FAQ proposal: handled here (True), or not ours (False)."""
    assert ctx.member is not None
    uow = await ctx.uow()
    conversations = Conversations(uow.session, ctx.community_id)
    now = ctx.clock.now()
    proposal = await conversations.get(ctx.member.id, PROPOSAL, now)
    if proposal is not None and isinstance(proposal.data.get("request"), int):
        await receive_proposal(ctx, int(proposal.data["request"]), text)
        return True
    state = await conversations.get(ctx.member.id, RELAY, now)
    if state is None or not isinstance(state.data.get("request"), int):
        return False
    rid = int(state.data["request"])
    row = await (await store(ctx)).get(rid)
    if row is None or row.status != "claimed" or ctx.member.id not in (row.asker_id, row.expert_id):
        await conversations.end(ctx.member.id, RELAY)
        return False
    other_id = row.expert_id if ctx.member.id == row.asker_id else row.asker_id
    other = await person(ctx, other_id)
    if other is None or other.left or other.target is None:
        ctx.say("help_req.relay.unreachable", id=rid)
        return True
    body = quote(text, MAX_RELAYED)
    tell(ctx, other, "help_req.relay.message", name=quote(ctx.member.display_name, 80), id=rid, text=body)
    await conversations.put(ctx.member.id, RELAY, "relay", {"request": rid}, now, RELAY_TTL)  # keep it alive
    if len(text.strip()) > MAX_RELAYED:
        ctx.say("help_req.relay.cut", limit=MAX_RELAYED)
    return True
