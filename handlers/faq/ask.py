"""Members asking: `ask`/`faq <question>`, any free text in a DM or addressed to the bot, and (opt-in, per
channel) questions spotted in a channel, answered only above the stricter channel confidence.

An answer comes with "Did this help?" [Yes] / [No, ask a member]. When the engine abstains, the question is
recorded as a knowledge gap and (except in channels, where the bot says nothing) the member hears so plainly;
for `ask <question>`, and for a DM that reads like a question, a help request to the members is opened at once
(peer help proposes the sector, the member confirms), otherwise an [Ask a member] button offers it.
"""

from __future__ import annotations

import re

from bot.context import Context, Services
from bot.events import MessageReceived
from bot.faq.openai_path import AnswerComposer, Source
from bot.faq.service import Answer, FaqService
from bot.faq.store import FaqStore
from bot.faq.text import fold
from bot.markup import user_text
from bot.replies import Button
from bot.router import Router
from handlers.faq.feedback import hand_off

# Looks like a question: a question mark, or a question word at the start (French or English).
_QUESTION = re.compile(
    r"\?\s*$|^(?:how|what|when|where|who|why|which|can|could|is|are|do|does|should|comment|quand|ou|qui|"
    r"pourquoi|quel|quelle|quels|quelles|est ce que|combien|peut on|puis je|faut il)\b")
MAX_QUESTION = 1000


def spot_key(ctx: Context) -> str:
    return f"{ctx.event.ref.platform}:{ctx.event.ref.channel_id}"


def setup(router: Router, services: Services, service: FaqService) -> None:
    @router.command("ask", "faq", "question", help_key="faq.cmd.ask")
    async def ask(ctx: Context) -> None:
        question = (ctx.route.args if ctx.route else "").strip()
        if not fold(question):
            ctx.say("faq.ask.usage")
            return
        await answer_question(ctx, service, question, strict=False, hand_over=True)

    def addressed(ctx: Context, text: str) -> bool:
        event = ctx.event
        return isinstance(event, MessageReceived) and (event.ref.is_dm or event.mentions_bot) and bool(text)

    def spotted(ctx: Context, text: str) -> bool:
        event = ctx.event
        return (isinstance(event, MessageReceived) and not event.ref.is_dm and not event.mentions_bot
                and len(text) <= MAX_QUESTION and is_question(text))

    # Last among free-text intents: conversations in progress (onboarding answers...) come first.
    @router.text(addressed, priority=900)
    async def on_addressed(ctx: Context) -> None:
        assert isinstance(ctx.event, MessageReceived)
        text = ctx.event.text.strip()
        if not fold(text):
            ctx.say("help.not_understood")
            return
        await answer_question(ctx, service, text, strict=False, hand_over=looks_like_a_question(text))

    @router.text(spotted, priority=950)
    async def on_spotted(ctx: Context) -> None:
        assert isinstance(ctx.event, MessageReceived)
        uow = await ctx.uow()
        settings = await FaqStore(uow.session, ctx.community_id).settings()
        if settings is None or spot_key(ctx) not in (settings.spot_channels or []):
            return
        await answer_question(ctx, service, ctx.event.text.strip(), strict=True)


def is_question(text: str) -> bool:
    """A question mark at the end (folding drops it, so it is looked for first) or a question word first."""
    return text.rstrip().endswith(("?", "？", "¿")) or bool(_QUESTION.search(fold(text)))


def looks_like_a_question(text: str) -> bool:
    """A question, or a few words: worth a member's time; "merci" or "ok" is not."""
    return is_question(text) or len(fold(text).split()) >= 4


async def answer_question(ctx: Context, service: FaqService, question: str, *, strict: bool,
                          hand_over: bool = False) -> None:
    """Answer `question` from the community's FAQ, or record the gap; `strict` is for spotted questions,
    where silence is the only polite abstention; `hand_over` opens a help request when the FAQ cannot answer."""
    question = question[:MAX_QUESTION]
    uow = await ctx.uow()
    store = FaqStore(uow.session, ctx.community_id)
    answer = await service.ask(store, question, ctx.locale, strict=strict)
    member_id = ctx.member.id if ctx.member else None
    now = ctx.clock.now()
    if answer.entry is None:
        if strict:
            return
        closest = answer.closest.id if answer.closest is not None else None
        await store.record_gap(question, lang=ctx.locale, reason="abstained", member_id=member_id,
                               closest_entry_id=closest, confidence=answer.match.confidence, now=now)
        if hand_over and callable(ctx.services.extras.get("peer_help.ask")):
            ctx.say("faq.no_answer.asking")
            await hand_off(ctx, question)
            return
        ctx.say("faq.no_answer", buttons=[Button(ctx.t("faq.button.ask_member"), "faq.handoff",
                                                 payload={"q": question[:500]})])
        return
    answer_id = await store.record_answer(answer.entry.id, member_id, answer.match.confidence, now)
    text = await _compose(ctx, answer, question)
    buttons = [
        Button(ctx.t("faq.button.yes"), "faq.yes", value=str(answer_id), style="primary"),
        Button(ctx.t("faq.button.no"), "faq.no", payload={"a": answer_id, "q": question[:500]}),
    ]
    ctx.reply(f"{text}\n\n{ctx.t('faq.helpful.ask')}", buttons=buttons)


async def _compose(ctx: Context, answer: Answer, question: str) -> str:
    """The entry's answer; with OpenAI configured, a short answer composed from it (and citing it)."""
    assert answer.entry is not None
    entry = answer.entry
    composer = ctx.services.extras.get("faq.composer")
    if isinstance(composer, AnswerComposer) and entry.answer:
        composed = await composer.compose(question, [Source(entry.question, entry.answer)], ctx.locale)
        if composed is not None:
            return ctx.t("faq.answer.composed", answer=user_text(composed), sources=f"[1] {user_text(entry.question)}")
    return ctx.t("faq.answer", answer=entry.answer or entry.question, question=user_text(entry.question))
