"""Peer help: members helping members. `peer <question>` (or [No, ask a member] under an FAQ answer) opens a
request; the classifier proposes a sector, the asker confirms; experts are asked in rounds, the first claim
wins, the bot relays messages between asker and expert across platforms; timers escalate to the next
experts, then to the facilitators; the asker closes it and may thank the expert.

The logic that the CLI and other features need (classifier, expert choice, store, figures) is in
bot.peer_help; these handlers only talk to it and to the member.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.context import Context, Services
from bot.contributions import Contributions
from bot.events import MemberLeft, MessageReceived, ScheduledTick
from bot.peer_help.classifier import Classifiers
from bot.peer_help.figures import figures, nudge_items, requests_table
from bot.router import Handler, Route, Router
from bot.scheduler import Tick
from bot.text import strip_invisible
from handlers.peer_help import asking, claiming, closing, routing
from handlers.peer_help.common import PROPOSAL, RELAY, person, request_id, store, tell
from handlers.peer_help.experts_cmd import expert_command, experts_report, turn_away


def _rid(ctx: Context) -> int | None:
    rid = request_id(ctx.route.value if ctx.route else "")
    if rid is None:
        ctx.say("help_req.stale")
    return rid


def setup(router: Router, services: Services) -> None:
    services.extras["peer_help.classifiers"] = Classifiers()
    services.extras["peer_help.ask"] = asking.ask
    contributions = Contributions.of(services)
    contributions.ticks.append(Tick(routing.TICK, timedelta(minutes=5)))
    contributions.figures.append(figures)
    contributions.tables.append(requests_table)
    contributions.nudge_sources.append(nudge_items)

    @router.command("peer", "pair", "entraide", help_key="help_req.cmd.peer")
    async def peer(ctx: Context) -> None:
        question = (ctx.route.args if ctx.route else "").strip()
        if question:
            await asking.ask(ctx, question)
            return
        await show_mine(ctx)

    @router.command("expert", help_key="help_req.cmd.expert")
    async def expert(ctx: Context) -> None:
        await expert_command(ctx)

    @router.command("agora experts", role="facilitator", help_key="help_req.cmd.experts")
    async def report(ctx: Context) -> None:
        await experts_report(ctx)

    actions = {
        "help.other": asking.other_sectors, "help.take": claiming.take, "help.pass": claiming.decline,
        "help.done": closing.resolve, "help.cancel": closing.cancel, "help.thanks": closing.thank,
        "help.reopen": closing.reopen, "help.release": closing.hand_back, "help.focus": closing.focus,
        "help.propose": closing.start_proposal,
    }
    for name, fn in actions.items():
        router.action(name)(_with_id(fn))

    @router.action("help.sector")
    async def sector(ctx: Context) -> None:
        rid, sector_id = asking.parse_sector_value(ctx.route.value if ctx.route else "")
        if rid is None or sector_id is None:
            ctx.say("help_req.stale")
            return
        await asking.confirm(ctx, rid, sector_id)

    @router.action("help.send")
    async def send(ctx: Context) -> None:
        """A community without sectors: the asker confirms the question goes to the experts."""
        rid = asking.request_id(ctx.route.value if ctx.route else "")
        if rid is None:
            ctx.say("help_req.stale")
            return
        await asking.confirm(ctx, rid, None)

    @router.action("help.faq_ok", role="facilitator")
    async def approve(ctx: Context) -> None:
        rid = _rid(ctx)
        if rid is not None:
            await closing.decide(ctx, rid, True)

    @router.action("help.faq_no", role="facilitator")
    async def reject(ctx: Context) -> None:
        rid = _rid(ctx)
        if rid is not None:
            await closing.decide(ctx, rid, False)

    def first_look(ctx: Context, text: str) -> bool:
        """The DM text of a member in a relay or writing an FAQ proposal, once (before onboarding and the
        FAQ); what turns out not to be ours (the request was closed meanwhile) is handed on unchanged."""
        return (bool(text) and bool(ctx.conversations & {RELAY, PROPOSAL}) and ctx.event.ref.is_dm
                and ctx.route is None)

    @router.text(first_look, priority=0)
    async def relay(ctx: Context) -> None:
        event = ctx.event
        assert isinstance(event, MessageReceived)
        if await closing.relayed(ctx, strip_invisible(event.text).strip()):
            return
        ctx.route = Route(relay)  # our matcher declines from now on: the next intent, or the fallback
        handed = ctx.router.resolve(ctx)
        if handed is not None:
            ctx.route = handed
            await handed.handler(ctx)

    @router.on(ScheduledTick)
    async def tick(ctx: Context) -> None:
        event = ctx.event
        if isinstance(event, ScheduledTick) and event.job == routing.TICK and ctx.community is not None:
            await routing.on_tick(ctx)

    @router.on(MemberLeft)
    async def left(ctx: Context) -> None:
        """The asker's requests are cancelled (experts told); the requests an expert held go on to others."""
        if ctx.member is None:
            return
        uow = await ctx.uow()
        if len(await uow.members(ctx.community_id).accounts_of(ctx.member.id)) > 1:
            return  # still there on another platform
        requests = await store(ctx)
        now = ctx.clock.now()
        for row in await requests.active_of(ctx.member.id):
            if row.asker_id == ctx.member.id:
                pending = await requests.pending(row.id)
                if await requests.cancel(row.id, now):
                    await claiming.end_relay(ctx, row)
                    for expert_id in {*pending, *([row.expert_id] if row.expert_id else [])}:
                        tell(ctx, await person(ctx, expert_id), "help_req.asker_left", id=row.id)
        await turn_away(ctx, ctx.member.id, "help_req.released.left")


def _with_id(fn: Callable[[Context, int], Awaitable[None]]) -> Handler:
    """A button handler taking the request id from the button's value (a clear message if it is garbled)."""

    async def run(ctx: Context) -> None:
        rid = _rid(ctx)
        if rid is not None:
            await fn(ctx, rid)

    return run


async def show_mine(ctx: Context) -> None:
    """`peer` alone: the member's requests still going on, with what they can do."""
    assert ctx.member is not None
    rows = [r for r in await (await store(ctx)).active_of(ctx.member.id) if r.status != "draft"]
    if not rows:
        ctx.say("help_req.mine.none")
        return
    lines = [ctx.t("help_req.mine.title")]
    for row in rows:
        role = "asker" if row.asker_id == ctx.member.id else "expert"
        lines.append(ctx.t(f"help_req.mine.{role}.{row.status}", id=row.id))
    ctx.reply("\n".join(lines))
