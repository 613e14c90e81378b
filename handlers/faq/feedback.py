"""The buttons under an answer: [Yes] records that it helped; [No, ask a member] records it did not, keeps
the question as a knowledge gap and hands it to peer help, prefilled, when that feature is installed (it
registers a callable under services.extras["peer_help.ask"]: `await ask(ctx, question)`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.context import Context, Services
from bot.faq.service import FaqService
from bot.faq.store import FaqStore
from bot.router import Router
from bot.store.models import ActionPayload


async def button_payload(ctx: Context) -> dict[str, Any]:
    """The payload stored behind the clicked button (see bot.replies.Button), or {}."""
    value = ctx.route.value if ctx.route else ""
    if not value.startswith("#"):
        return {}
    uow = await ctx.uow()
    stmt = select(ActionPayload.payload).where(ActionPayload.id == value[1:],
                                               ActionPayload.community_id == ctx.community_id)
    found = (await uow.session.execute(stmt)).scalar_one_or_none()
    return dict(found) if isinstance(found, dict) else {}


async def hand_off(ctx: Context, question: str) -> None:
    ask = ctx.services.extras.get("peer_help.ask")
    if callable(ask) and question:
        await ask(ctx, question)
        return
    ctx.say("faq.handoff.none")


def setup(router: Router, services: Services, service: FaqService) -> None:
    @router.action("faq.yes")
    async def helped(ctx: Context) -> None:
        value = ctx.route.value if ctx.route else ""
        uow = await ctx.uow()
        row = await FaqStore(uow.session, ctx.community_id).answer(int(value)) if value.isdigit() else None
        if row is None:
            ctx.say("faq.feedback.gone")
            return
        row.helpful = True
        ctx.say("faq.thanks")

    @router.action("faq.no")
    async def not_helped(ctx: Context) -> None:
        payload = await button_payload(ctx)
        uow = await ctx.uow()
        store = FaqStore(uow.session, ctx.community_id)
        answer_id = payload.get("a")
        row = await store.answer(answer_id) if isinstance(answer_id, int) else None
        question = str(payload.get("q") or "")
        if row is None or not question:
            ctx.say("faq.feedback.gone")
            return
        row.helpful = False
        await store.record_gap(question, lang=ctx.locale, reason="not_helpful",
                               member_id=ctx.member.id if ctx.member else None, closest_entry_id=row.entry_id,
                               confidence=row.confidence, now=ctx.clock.now())
        ctx.say("faq.not_helpful")
        await hand_off(ctx, question)

    @router.action("faq.handoff")
    async def ask_member(ctx: Context) -> None:
        payload = await button_payload(ctx)
        await hand_off(ctx, str(payload.get("q") or ""))
