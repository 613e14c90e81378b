"""[I'll take it] / [Not me], and putting asker and expert in touch.

The first claim wins: one conditional UPDATE (open -> claimed) decides, so two experts clicking at the same
moment, in two processes, get one "it's yours" and one "someone was quicker". The other experts asked are
told it is taken.

Put in touch: the bot relays messages both ways, on every platform (documented in docs/peer_help.md). It is
the one way that works for any pair (a Telegram asker and a Slack expert share no thread), keeps both people's
handles private, and lets us neutralise mentions in everything relayed. Each side's next DMs to the bot go to
the other (a ConversationState row per member points at the request), until the request closes.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.replies import Button, Visibility
from bot.store.peer_help_models import HelpRequest
from bot.store.repositories import Conversations
from handlers.peer_help import routing
from handlers.peer_help.common import (
    RELAY,
    RELAY_TTL,
    Person,
    checkin_delay,
    claim_timeout,
    person,
    quote,
    settings,
    store,
    tell,
)


def asker_buttons(ctx: Context, who: Person, rid: int) -> list[Button]:
    t = who.t(ctx)
    return [Button(t("help_req.button.resolved"), "help.done", value=str(rid), style="primary"),
            Button(t("help_req.button.cancel"), "help.cancel", value=str(rid))]


def expert_buttons(ctx: Context, who: Person, rid: int) -> list[Button]:
    t = who.t(ctx)
    return [Button(t("help_req.button.reply_here"), "help.focus", value=str(rid)),
            Button(t("help_req.button.hand_back"), "help.release", value=str(rid), style="danger")]


async def relay_to(ctx: Context, member_id: int, rid: int, now: datetime) -> None:
    uow = await ctx.uow()
    await Conversations(uow.session, ctx.community_id).put(member_id, RELAY, "relay", {"request": rid}, now,
                                                           RELAY_TTL)


async def end_relay(ctx: Context, row: HelpRequest) -> None:
    """Both sides' DMs stop going to this request (only if they still point at it)."""
    uow = await ctx.uow()
    conversations = Conversations(uow.session, ctx.community_id)
    for member_id in (row.asker_id, row.expert_id):
        if member_id is None:
            continue
        state = await conversations.get(member_id, RELAY, ctx.clock.now())
        if state is not None and state.data.get("request") == row.id:
            await conversations.end(member_id, RELAY)


async def take(ctx: Context, rid: int) -> None:
    assert ctx.member is not None
    requests = await store(ctx)
    row = await requests.get(rid)
    me = ctx.member.id
    if row is None:
        ctx.say("help_req.stale", visibility=Visibility.EPHEMERAL)
        return
    if row.asker_id == me:
        ctx.say("help_req.take.own", visibility=Visibility.EPHEMERAL)
        return
    invited = me in await requests.asked(rid) or row.escalated_at is not None \
        or ctx.member.has_role("facilitator")
    if not invited:
        ctx.say("help_req.take.not_invited", visibility=Visibility.EPHEMERAL)
        return
    if row.status != "open":
        ctx.say("help_req.take.too_late" if row.status in ("claimed", "resolved") else "help_req.take.closed",
                visibility=Visibility.EPHEMERAL, id=rid)
        return
    conf = await settings(ctx)
    now = ctx.clock.now()
    others = [e for e in await requests.pending(rid) if e != me]
    if not await requests.claim(rid, me, now, now + checkin_delay(conf)):
        ctx.say("help_req.take.too_late", visibility=Visibility.EPHEMERAL, id=rid)
        return
    await requests.refresh(row)
    expert = await person(ctx, me)
    asker = await person(ctx, row.asker_id)
    assert expert is not None
    await relay_to(ctx, me, rid, now)
    platform_note = ""
    if asker is not None and asker.platform and expert.platform and asker.platform != expert.platform:
        platform_note = asker.platform
    tell(ctx, expert, "help_req.take.yours", expert_buttons(ctx, expert, rid), id=rid,
         name=quote(asker.name if asker else "?", 80), question=quote(row.question),
         elsewhere=expert.t(ctx)("help_req.elsewhere", platform=platform_note) if platform_note else "")
    if asker is not None and not asker.left:
        await relay_to(ctx, asker.id, rid, now)
        tell(ctx, asker, "help_req.claimed", asker_buttons(ctx, asker, rid), id=rid,
             name=quote(expert.name, 80))
    for other in others:
        tell(ctx, await person(ctx, other), "help_req.taken_by_other", id=rid)


async def decline(ctx: Context, rid: int) -> None:
    assert ctx.member is not None
    requests = await store(ctx)
    row = await requests.get(rid)
    if row is None:
        ctx.say("help_req.stale", visibility=Visibility.EPHEMERAL)
        return
    if not await requests.decline(rid, ctx.member.id, ctx.clock.now()):
        ctx.say("help_req.pass.nothing", visibility=Visibility.EPHEMERAL, id=rid)
        return
    ctx.say("help_req.pass.ok", visibility=Visibility.EPHEMERAL, id=rid)
    if row.status == "open" and not await requests.pending(rid) and row.escalated_at is None:
        # Everyone asked in this round said no: the next round starts now rather than at the timeout.
        conf = await settings(ctx)
        await requests.expire_pending(rid, ctx.clock.now())
        if row.round >= conf.integer("help.rounds"):
            await routing.escalate(ctx, row)
        elif await requests.next_round(rid, row.round, ctx.clock.now() + claim_timeout(conf)):
            await requests.refresh(row)
            await routing.run_round(ctx, row, conf)


async def release(ctx: Context, row: HelpRequest, expert_id: int, reason: str) -> bool:
    """The expert hands the request back (they clicked, went away or left): it opens again for the next
    experts and the asker is told. `reason` is the i18n key told to the asker."""
    requests = await store(ctx)
    conf = await settings(ctx)
    now = ctx.clock.now()
    if not await requests.release(row.id, expert_id, now + claim_timeout(conf)):
        return False
    await end_relay_for(ctx, row, expert_id)
    await requests.refresh(row)
    tell(ctx, await person(ctx, row.asker_id), reason, id=row.id)
    await routing.run_round(ctx, row, conf)
    return True


async def end_relay_for(ctx: Context, row: HelpRequest, member_id: int) -> None:
    uow = await ctx.uow()
    conversations = Conversations(uow.session, ctx.community_id)
    for who in (row.asker_id, member_id):
        state = await conversations.get(who, RELAY, ctx.clock.now())
        if state is not None and state.data.get("request") == row.id:
            await conversations.end(who, RELAY)
