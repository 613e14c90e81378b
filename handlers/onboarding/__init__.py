"""Onboarding and the profile: the welcome's flow (sectors, expertise, region, language, time zone, expert
opt-in, nudges, directory consent, then a review, the first steps and an optional intro), `profile` to view
and edit every field, and the one reminder. The flow is a ConversationState row, so a restart resumes it.

Typed answers: in a DM, a message that is not a command goes to the member's flow when one is going on (the
core has read which conversations the member is in: `ctx.conversations`); a question asked mid-flow is handed
on to whichever text intent or fallback would have taken it.
"""

from __future__ import annotations

from bot.context import Context, Services
from bot.events import MessageReceived, ScheduledTick
from bot.router import Router
from bot.text import strip_invisible
from handlers.onboarding.buttons import CARD_ACTION, FLOW_ACTION, parse_card_value
from handlers.onboarding.chat import begin, current, edit_from_card, on_button, on_text, show_card
from handlers.onboarding.flow import KIND
from handlers.onboarding.reminders import remind_unfinished
from handlers.onboarding.steps import INTRO

__all__ = ["begin", "setup"]


def _a_question(step: str, text: str) -> bool:
    """A question asked in the middle of the flow ("Comment embaucher un apprenti ?") is not a region or a
    skill: it goes to whoever answers questions (the FAQ), and the flow waits at its step. An introduction
    may end with a question mark, so not there."""
    return step != INTRO and text.rstrip().endswith("?")


def setup(router: Router, services: Services) -> None:
    def claims(ctx: Context, text: str) -> bool:
        passing = ctx.route is not None and ctx.route.handler is answer
        return bool(text) and KIND in ctx.conversations and ctx.event.ref.is_dm and not passing

    @router.text(claims, priority=1)
    async def answer(ctx: Context) -> None:
        event = ctx.event
        assert isinstance(event, MessageReceived)
        text = strip_invisible(event.text).strip()
        env = await current(ctx)
        if env is None or _a_question(env.state.step, text):
            handed = ctx.router.resolve(ctx)  # our matcher declines now: the next intent, or the fallback
            if handed is not None:
                ctx.route = handed
                await handed.handler(ctx)
            return
        await on_text(ctx, env, text)

    @router.action(FLOW_ACTION)
    async def pressed(ctx: Context) -> None:
        await on_button(ctx)

    @router.action(CARD_ACTION)
    async def card_pressed(ctx: Context) -> None:
        verb, arg = parse_card_value(ctx.route.value if ctx.route else "")
        if verb == "start":
            await begin(ctx, "")
        elif verb == "edit":
            await edit_from_card(ctx, arg)
        else:
            await show_card(ctx)

    @router.command("profile", "profil", help_key="profile.cmd")
    async def profile(ctx: Context) -> None:
        await show_card(ctx)

    @router.on(ScheduledTick)
    async def remind(ctx: Context) -> None:
        await remind_unfinished(ctx)
