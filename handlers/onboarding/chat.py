"""The flow in a chat: starting it for a member, answering their buttons and messages, refusing stale
buttons clearly, and turning the flow's exits (edit saved, finished, intro posted) into messages. Every flow
message goes to the member privately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.context import Context
from bot.events import ConversationRef
from bot.markup import user_text
from bot.replies import Button, Visibility
from bot.store.models import ConversationState
from bot.store.onboarding import Onboardings
from bot.store.profiles import Profiles
from bot.store.repositories import Conversations
from handlers.onboarding.buttons import card_button, new_flow_id, parse_flow_value
from handlers.onboarding.flow import CARD, KIND, Ended, Finished, Posted, again, end, enter, press, typed
from handlers.onboarding.steps import FIELDS, INTRO, LANG, QUESTIONS, REV, SECT, TAGS, Env, Prompt
from handlers.onboarding.texts import card, first_steps, intro_draft, intro_post
from handlers.referrals import attribute_typed_code, looks_like_code


def make_env(ctx: Context, state: ConversationState) -> Env:
    assert ctx.member is not None and ctx.community is not None and ctx.open_uow is not None
    services = ctx.services
    return Env(session=ctx.open_uow.session, community_id=ctx.community_id, member_id=ctx.member.id,
               locale=ctx.locale, t=ctx.t, now=ctx.clock.now(), settings=services.settings,
               community_timezone=ctx.community.timezone, state=state, translators=services.translator)


async def current(ctx: Context) -> Env | None:
    """The member's flow, if one is going on (an expired one is gone)."""
    assert ctx.member is not None
    uow = await ctx.uow()
    state = await Conversations(uow.session, ctx.community_id).get(ctx.member.id, KIND, ctx.clock.now())
    return None if state is None else make_env(ctx, state)


async def new_flow(ctx: Context, step: str, **data: object) -> Env:
    assert ctx.member is not None
    uow = await ctx.uow()
    conversations = Conversations(uow.session, ctx.community_id)
    now = ctx.clock.now()
    ttl = timedelta(days=ctx.services.settings.onboarding_expiry_days)
    state = await conversations.put(ctx.member.id, KIND, step, {"flow": new_flow_id(), **data}, now, ttl)
    return make_env(ctx, state)


def say(ctx: Context, prompt: Prompt, lead: str = "") -> None:
    ctx.reply(prompt.after(lead).text, buttons=prompt.buttons, visibility=Visibility.DM)


async def begin(ctx: Context, lead: str, done: str | None = None) -> None:
    """Start onboarding (or pick it up where it stopped), `lead` first. A member who already finished gets
    `done` instead, or their profile card."""
    assert ctx.member is not None
    uow = await ctx.uow()
    now = ctx.clock.now()
    record = await Onboardings(uow.session, ctx.community_id).get(ctx.member.id)
    if record is not None and record.finished_at is not None:
        if done:
            ctx.reply(done, visibility=Visibility.DM)
        else:
            await show_card(ctx)
        return
    env = await current(ctx)
    if env is not None:
        say(ctx, await again(env), lead)
        return
    profiles = Profiles(uow.session, ctx.community_id)
    profile = await profiles.load(ctx.member.id)
    asked_lang = profile is None or profile.locale is None
    no_sectors = not await profiles.active_sectors()
    first = LANG if asked_lang else (TAGS if no_sectors else SECT)
    step = first
    if record is None:
        await Onboardings(uow.session, ctx.community_id).start(ctx.member.id, first, now)
    elif record.furthest_step in (*QUESTIONS, REV):  # it had expired: back to the furthest step reached
        step = record.furthest_step
    env = await new_flow(ctx, step, asked_lang=asked_lang, bilingual=asked_lang and step == LANG,
                         no_sectors=no_sectors)
    say(ctx, await enter(env, step), lead)


def welcome_lead(ctx: Context) -> str:
    """The welcome: in the member's language when the platform told it, else in both."""
    name = user_text(ctx.member.display_name if ctx.member else "")
    community = user_text(ctx.community.name if ctx.community else "")
    if ctx.member is not None and ctx.member.locale is None:
        return ctx.t("onboarding.welcome_both", name=name, community=community)
    return ctx.t("onboarding.welcome", name=name, community=community)


def welcome_back(ctx: Context) -> str:
    name = user_text(ctx.member.display_name if ctx.member else "")
    community = user_text(ctx.community.name if ctx.community else "")
    return ctx.t("onboarding.welcome_back", name=name, community=community)


# --- a button of the flow ---------------------------------------------------------------------------------
async def on_button(ctx: Context) -> None:
    pressed = parse_flow_value(ctx.route.value if ctx.route else "")
    env = await current(ctx)
    if env is None or pressed is None:
        await _gone(ctx)
        return
    if pressed.flow != env.flow:
        say(ctx, await again(env), ctx.t("onboarding.stale.flow"))
        return
    if pressed.step != env.state.step:
        say(ctx, await again(env), ctx.t("onboarding.stale.step"))
        return
    await _run(ctx, env, lambda: press(env, pressed.step, pressed.verb, pressed.arg))


async def on_text(ctx: Context, env: Env, text: str) -> None:
    if looks_like_code(text):
        line = await attribute_typed_code(ctx, text)
        say(ctx, await again(env), line)
        return
    await _run(ctx, env, lambda: typed(env, text))


async def _gone(ctx: Context) -> None:
    """A button of a flow that ended or expired."""
    assert ctx.member is not None
    uow = await ctx.uow()
    record = await Onboardings(uow.session, ctx.community_id).get(ctx.member.id)
    if record is not None and record.finished_at is None:
        ctx.reply(ctx.t("onboarding.stale.expired"), visibility=Visibility.DM,
                  buttons=[card_button(ctx.t("onboarding.button.resume"), "start", style="primary")])
    else:
        ctx.reply(ctx.t("onboarding.stale.over"), visibility=Visibility.DM)


async def _run(ctx: Context, env: Env, action: Callable[[], Awaitable[Prompt]]) -> None:
    """Run one interaction of the flow and say its outcome."""
    try:
        prompt = await action()
        _follow_locale(ctx, env)
        say(ctx, prompt)
    except Ended as ended:
        _follow_locale(ctx, env)
        if ended.card:
            await show_card(ctx, ctx.t(ended.key))
        else:
            ctx.reply(ctx.t(ended.key), visibility=Visibility.DM)
    except Finished:
        await _finish(ctx, env)
    except Posted as posted:
        platform, workspace, channel, shown = posted.where
        name = ctx.member.display_name if ctx.member else ""
        ctx.reply(intro_post(ctx.t, name, posted.text),
                  target=ConversationRef(platform, workspace, channel, None))
        ctx.reply(ctx.t("onboarding.intro.posted", channel=user_text(shown)), visibility=Visibility.DM)


def _follow_locale(ctx: Context, env: Env) -> None:
    """The member chose a language in the flow: this event's later messages, and the cache, follow."""
    if env.locale == ctx.locale:
        return
    ctx.set_locale(env.locale)
    if ctx.member is not None:
        identities, member_id = ctx.services.identities, ctx.member.id
        ctx.on_commit.append(lambda: identities.forget_member(member_id))  # on all of the member's platforms


async def _finish(ctx: Context, env: Env) -> None:
    """Onboarding is done: one first action (channels, how to ask for help) and the optional intro."""
    assert ctx.member is not None
    await Onboardings(env.session, env.community_id).finish(env.member_id, env.now)
    profile = await env.profiles.load(env.member_id)
    assert profile is not None
    text = first_steps(ctx.t, ctx.locale, profile)
    event = ctx.event
    configured = ctx.services.settings.intro_channel(event.platform, event.ref.workspace_id)
    if not configured:
        await end(env)
        ctx.reply(text, visibility=Visibility.DM)
        return
    channel, _, shown = configured.partition("|")  # "C0INTRO|introductions": the id, and the name shown
    env.data["intro"] = intro_draft(ctx.t, ctx.locale, profile)
    env.data["intro_at"] = [event.platform, event.ref.workspace_id, channel.strip(), shown.strip() or channel]
    env.data.pop("ret", None)
    say(ctx, await enter(env, INTRO), text)


# --- the profile card -------------------------------------------------------------------------------------
async def show_card(ctx: Context, lead: str = "") -> None:
    assert ctx.member is not None
    uow = await ctx.uow()
    profile = await Profiles(uow.session, ctx.community_id).load(ctx.member.id)
    assert profile is not None
    record = await Onboardings(uow.session, ctx.community_id).get(ctx.member.id)
    buttons: list[Button] = []
    if record is None or record.finished_at is None:
        buttons.append(card_button(ctx.t("onboarding.button.resume"), "start", style="primary"))
    buttons += [card_button(ctx.t(f"profile.field.{field}"), "edit", field) for field in FIELDS]
    text = card(ctx.t, ctx.locale, profile) + "\n" + ctx.t("profile.edit_hint")
    ctx.reply(f"{lead}\n\n{text}" if lead else text, buttons=buttons,
              visibility=Visibility.CHANNEL if ctx.event.ref.is_dm else Visibility.EPHEMERAL)


async def edit_from_card(ctx: Context, field: str) -> None:
    """A field button of the card: change that field, inside the going flow if there is one."""
    if field not in FIELDS:
        await show_card(ctx)
        return
    env = await current(ctx)
    if env is None:
        env = await new_flow(ctx, field, ret=CARD)
        say(ctx, await enter(env, field))
        return
    if env.state.step == INTRO:  # the intro waits for an answer; the edit comes back to the card
        env.data["ret"] = CARD
    elif env.state.step != field:
        env.data["ret"] = env.data.get("ret") or env.state.step
    say(ctx, await enter(env, field))
