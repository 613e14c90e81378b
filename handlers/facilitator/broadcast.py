"""`/agora broadcast <segment> <message>` (fr: `diffusion`): preview with [Send] [Cancel], then one DM per
member with [Acknowledge]; `status [id]`, `remind <id>`, `cancel <id>`, `list`. Automatic reminders ride the
hourly tick (bot.scheduler.HOURLY) after `broadcast.remind_after_hours`."""

from __future__ import annotations

from datetime import timedelta

from bot import community_settings
from bot.context import Context
from bot.errors import UserFacingError
from bot.events import ScheduledTick
from bot.facilitator import broadcasts
from bot.facilitator.broadcasts import BroadcastProblem
from bot.facilitator.segments import BadSegment, Segment, check, split_segment
from bot.markup import neutralise_mentions, user_text
from bot.replies import Button, Visibility
from handlers.facilitator.common import args_of, audit, parse_id, private

STATUS = frozenset({"status", "etat", "état", "statut", "tally", "bilan"})
REMIND = frozenset({"remind", "reminder", "relancer", "relance", "rappel", "rappeler"})
CANCEL = frozenset({"cancel", "stop", "annuler", "arreter", "arrêter"})
LIST = frozenset({"list", "liste"})
SEND_ACTION, DROP_ACTION = "bc.send", "bc.drop"


def _problem(problem: BroadcastProblem) -> UserFacingError:
    return UserFacingError(problem.reason, **problem.params)


def _segment_name(ctx: Context, segment: Segment) -> str:
    if segment.kind == "all":
        return ctx.t("facilitator.segment.all")
    value = ctx.t(f"facilitator.role.name.{segment.value}") if segment.kind == "role" else user_text(segment.value)
    return ctx.t(f"facilitator.segment.{segment.kind}", value=value)


async def broadcast_command(ctx: Context) -> None:
    args = args_of(ctx)
    first, _, rest = args.partition(" ")
    word = first.lower()
    if not args:
        raise UserFacingError("facilitator.broadcast.usage")
    if word in STATUS:
        return await status(ctx, rest)
    if word in REMIND:
        return await remind(ctx, rest)
    if word in CANCEL:
        return await cancel(ctx, rest)
    if word in LIST:
        return await listing(ctx)
    await preview(ctx, args)


async def preview(ctx: Context, args: str) -> None:
    assert ctx.member is not None and ctx.community is not None
    try:
        segment, text = split_segment(args)
        body = broadcasts.check_text(text)
        uow = await ctx.uow()
        await check(uow.session, ctx.community_id, segment)
        row, reach, unreachable = await broadcasts.draft(uow.session, ctx.community_id, ctx.member.id, segment,
                                                         body, ctx.clock.now())
    except BadSegment as bad:
        raise UserFacingError(bad.reason, value=user_text(bad.value)) from None
    except BroadcastProblem as problem:
        raise _problem(problem) from None
    by_platform: dict[str, int] = {}
    for r in reach:
        by_platform[r.ref.platform] = by_platform.get(r.ref.platform, 0) + 1
    platforms = ", ".join(f"{p}: {n}" for p, n in sorted(by_platform.items())) or "–"
    await audit(ctx, "facilitator.broadcast.draft", f"broadcast:{row.id}", segment=segment.describe(),
                recipients=len(reach), length=len(body))
    lines = [ctx.t("facilitator.broadcast.preview", id=row.id, segment=_segment_name(ctx, segment),
                   count=len(reach), platforms=platforms)]
    if unreachable:
        lines.append(ctx.t("facilitator.broadcast.unreachable", count=unreachable))
    lines.append(ctx.t("facilitator.broadcast.message", community=user_text(ctx.community.name),
                       text=neutralise_mentions(body)))
    buttons = [Button(ctx.t("facilitator.broadcast.send_button"), SEND_ACTION, str(row.id), style="primary"),
               Button(ctx.t("facilitator.broadcast.drop_button"), DROP_ACTION, str(row.id), style="danger")]
    ctx.reply("\n\n".join(lines), buttons=buttons, visibility=private(ctx))


def _deps(ctx: Context) -> dict[str, object]:
    assert ctx.community is not None
    return {"translate": ctx.services.catalogs.translate, "default_locale": ctx.community.default_locale,
            "community": user_text(ctx.community.name), "caps_for": ctx.services.capability}


async def send_clicked(ctx: Context) -> None:
    broadcast_id = parse_id(ctx.route.value if ctx.route else "")
    if broadcast_id is None:
        raise UserFacingError("facilitator.broadcast.stale")
    uow = await ctx.uow()
    try:
        _, queued = await broadcasts.send(uow.session, ctx.community_id, broadcast_id, now=ctx.clock.now(),
                                          **_deps(ctx))  # type: ignore[arg-type]
    except BroadcastProblem as problem:
        raise _problem(problem) from None
    await audit(ctx, "facilitator.broadcast.send", f"broadcast:{broadcast_id}", recipients=queued)
    ctx.reply(ctx.t("facilitator.broadcast.sent", id=broadcast_id, count=queued), visibility=private(ctx))


async def drop_clicked(ctx: Context) -> None:
    broadcast_id = parse_id(ctx.route.value if ctx.route else "")
    if broadcast_id is None:
        raise UserFacingError("facilitator.broadcast.stale")
    await cancel(ctx, str(broadcast_id))


async def _id_or_latest(ctx: Context, text: str, *, required: bool) -> int:
    found = parse_id(text.split(" ", 1)[0]) if text.strip() else None
    if found is not None:
        return found
    if text.strip() or required:
        raise UserFacingError("facilitator.broadcast.need_id")
    uow = await ctx.uow()
    last = await broadcasts.latest(uow.session, ctx.community_id)
    if last is None:
        raise UserFacingError("facilitator.broadcast.none_yet")
    return last.id


async def status(ctx: Context, text: str) -> None:
    broadcast_id = await _id_or_latest(ctx, text, required=False)
    uow = await ctx.uow()
    try:
        tally = await broadcasts.tally(uow.session, ctx.community_id, broadcast_id)
    except BroadcastProblem as problem:
        raise _problem(problem) from None
    await audit(ctx, "facilitator.broadcast.status", f"broadcast:{broadcast_id}")
    ctx.reply(tally_text(ctx, tally), visibility=private(ctx))


def tally_text(ctx: Context, tally: broadcasts.Tally) -> str:
    platforms = ", ".join(f"{p}: {n}" for p, n in sorted(tally.by_platform.items())) or "–"
    return ctx.t("facilitator.broadcast.tally", id=tally.broadcast_id,
                 status=ctx.t(f"facilitator.broadcast.status.{tally.status}"), recipients=tally.recipients,
                 acknowledged=tally.acknowledged, missing=tally.not_acknowledged, reminders=tally.reminders_sent,
                 delivered=tally.delivered, waiting=tally.waiting, failed=tally.failed, platforms=platforms)


async def remind(ctx: Context, text: str) -> None:
    broadcast_id = await _id_or_latest(ctx, text, required=True)
    uow = await ctx.uow()
    settings = await community_settings.load(uow.session, ctx.community_id)
    maximum = settings.integer("broadcast.max_reminders")
    try:
        count = await broadcasts.remind(uow.session, ctx.community_id, broadcast_id, max_reminders=maximum,
                                        now=ctx.clock.now(), **_deps(ctx))  # type: ignore[arg-type]
        tally = await broadcasts.tally(uow.session, ctx.community_id, broadcast_id)
    except BroadcastProblem as problem:
        raise _problem(problem) from None
    await audit(ctx, "facilitator.broadcast.remind", f"broadcast:{broadcast_id}", recipients=count)
    ctx.reply(ctx.t("facilitator.broadcast.reminded", id=broadcast_id, count=count, round=tally.reminders_sent,
                    max=maximum) + "\n" + tally_text(ctx, tally), visibility=private(ctx))


async def cancel(ctx: Context, text: str) -> None:
    broadcast_id = await _id_or_latest(ctx, text, required=True)
    uow = await ctx.uow()
    try:
        stopped = await broadcasts.cancel(uow.session, ctx.community_id, broadcast_id, ctx.clock.now())
    except BroadcastProblem as problem:
        raise _problem(problem) from None
    await audit(ctx, "facilitator.broadcast.cancel", f"broadcast:{broadcast_id}", stopped=stopped)
    ctx.reply(ctx.t("facilitator.broadcast.cancelled", id=broadcast_id, stopped=stopped), visibility=private(ctx))


async def listing(ctx: Context) -> None:
    uow = await ctx.uow()
    rows = await broadcasts.recent(uow.session, ctx.community_id)
    if not rows:
        raise UserFacingError("facilitator.broadcast.none_yet")
    lines = [ctx.t("facilitator.broadcast.list")]
    for row in rows:
        segment = _segment_name(ctx, Segment(row.segment_kind, row.segment_value))
        lines.append(ctx.t("facilitator.broadcast.list_line", id=row.id, segment=segment, count=row.recipients,
                           status=ctx.t(f"facilitator.broadcast.status.{row.status}"),
                           day=row.created_at.date().isoformat()))
    await audit(ctx, "facilitator.broadcast.list")
    ctx.reply("\n".join(lines), visibility=private(ctx))


async def acknowledge_clicked(ctx: Context) -> None:
    """A member's [Acknowledge]: noted once; a second click, a cancelled or unknown broadcast get a word."""
    assert ctx.member is not None
    broadcast_id = parse_id(ctx.route.value if ctx.route else "")
    uow = await ctx.uow()
    outcome = "unknown" if broadcast_id is None else await broadcasts.acknowledge(
        uow.session, ctx.community_id, broadcast_id, ctx.member.id, ctx.clock.now())
    ctx.reply(ctx.t(f"facilitator.ack.{outcome}"), visibility=Visibility.EPHEMERAL if not ctx.event.ref.is_dm
              else Visibility.CHANNEL)


async def automatic_reminders(ctx: Context) -> None:
    """On the hourly tick: remind the broadcasts whose delay passed, within the maximum. Claimed with a
    conditional update (bot.facilitator.broadcasts.remind), so two processes never remind twice."""
    event = ctx.event
    if not isinstance(event, ScheduledTick) or event.job != "hourly" or ctx.community is None:
        return
    uow = await ctx.uow()
    settings = await community_settings.load(uow.session, ctx.community_id)
    maximum = settings.integer("broadcast.max_reminders")
    after = timedelta(hours=settings.number("broadcast.remind_after_hours"))
    now = ctx.clock.now()
    for broadcast_id in await broadcasts.due_for_reminder(uow.session, ctx.community_id, now, after, maximum):
        try:
            count = await broadcasts.remind(uow.session, ctx.community_id, broadcast_id, max_reminders=maximum,
                                            now=now, **_deps(ctx))  # type: ignore[arg-type]
        except BroadcastProblem:
            continue
        await uow.audit(ctx.community_id).record(None, "facilitator.broadcast.remind", now,
                                                 f"broadcast:{broadcast_id}", recipients=count, automatic=True)
