"""The flow engine: which step comes next, what a button press or a typed answer does, and how the flow
starts, resumes, finishes and ends. It works on an Env (a transaction, a member, a language) so the same code
serves a member's own events and the scheduler's reminders.

After a step is answered the flow goes to `data["ret"]` when set (the review, the step an edit interrupted,
or "card": end and show the profile), else to the next step in order.
"""

from __future__ import annotations

import copy
from datetime import timedelta

from bot.i18n import SUPPORTED
from bot.store.onboarding import Onboardings
from bot.store.profiles import NUDGE_FREQUENCIES
from bot.store.repositories import Conversations
from handlers.onboarding.answers import (
    BadAnswer,
    is_timezone,
    match_label,
    match_sectors,
    match_timezone,
    parse_intro,
    parse_region,
    parse_tags,
)
from handlers.onboarding.buttons import parse_flow_value
from handlers.onboarding.steps import (
    CONS,
    EXP,
    FIELDS,
    INTRO,
    LANG,
    NUDGE,
    ORDER,
    REG,
    REV,
    SECT,
    TAGS,
    TYPED,
    TZ,
    Env,
    Prompt,
    ask,
    offer,
)

KIND = "onboarding"
CARD = "card"  # the `ret` that ends the flow and shows the profile card


class Ended(Exception):
    """The flow ended: show `key`, and the profile card when `card` (an edit from the card was saved)."""

    def __init__(self, key: str, card: bool = False) -> None:
        super().__init__(key)
        self.key = key
        self.card = card


class Finished(Exception):
    """The review was confirmed: onboarding is finished; the caller shows the first steps (and the intro)."""


class Posted(Exception):
    """The member approved their introduction: the caller posts it (`text`) where the flow says."""

    def __init__(self, text: str, where: list[str]) -> None:
        super().__init__("posted")
        self.text = text
        self.where = where


def expiry(env: Env) -> timedelta:
    return timedelta(days=env.settings.onboarding_expiry_days)


async def save(env: Env) -> None:
    """Write the conversation back with a fresh expiry: it counts from the member's last answer."""
    await Conversations(env.session, env.community_id).put(env.member_id, KIND, env.state.step,
                                                           copy.deepcopy(env.data), env.now, expiry(env))


async def end(env: Env) -> None:
    await Conversations(env.session, env.community_id).end(env.member_id, KIND)


async def enter(env: Env, step: str) -> Prompt:
    """Go to `step`: fix its options, note the progress for the funnel, and ask its question."""
    env.state.step = step
    if step in (TAGS, REG, TZ):
        env.data["opts"] = {**(env.data.get("opts") or {}), step: await offer(env, step)}
    if not env.data.get("ret"):
        await Onboardings(env.session, env.community_id).reached(env.member_id, step, ORDER, env.now)
    await save(env)
    return await ask(env, step)


def next_step(env: Env, step: str) -> str:
    following = ORDER[ORDER.index(step) + 1]
    if following == SECT and env.data.get("no_sectors"):
        following = TAGS
    return following


async def after(env: Env) -> Prompt:
    """The step is answered: go where the flow returns, or on."""
    ret = env.data.pop("ret", None)
    if ret == CARD:
        await end(env)
        raise Ended("profile.saved", card=True)
    if ret:
        return await enter(env, str(ret))
    return await enter(env, next_step(env, env.state.step))


async def again(env: Env, line: str = "") -> Prompt:
    """The current question once more (after a toggle, or with an error), with a fresh expiry."""
    await save(env)
    return (await ask(env, env.state.step)).after(line)


async def edit(env: Env, field: str) -> Prompt:
    """Change one field, then come back to where the member was (or to the card)."""
    if field not in FIELDS:
        return await again(env)
    if env.state.step != field:
        env.data["ret"] = env.data.get("ret") or env.state.step
    return await enter(env, field)


# --- a button ---------------------------------------------------------------------------------------------
async def press(env: Env, step: str, verb: str, arg: str) -> Prompt:
    """A button of the current step. Raises Ended, Finished or Posted when the flow leaves the chat."""
    if verb == "skip" and step not in (REV, INTRO, LANG):
        return await after(env)
    if verb == "done" and step in (SECT, TAGS):
        return await after(env)
    if verb == "edit" and step == REV:
        env.data["ret"] = REV
        return await edit(env, arg)
    if verb == "finish" and step == REV:
        raise Finished()
    if step == INTRO:
        return await _intro(env, verb)
    if verb == "pick":
        return await _pick(env, step, arg)
    return await again(env)


async def _pick(env: Env, step: str, arg: str) -> Prompt:
    profiles, now = env.profiles, env.now
    if step == LANG and arg in SUPPORTED:
        await profiles.set_fields(env.member_id, locale=arg)
        env.relocale(arg)
        env.data.pop("bilingual", None)
        return await after(env)
    if step == SECT and arg.isdigit():
        if int(arg) not in {s.id for s in await profiles.active_sectors()}:
            return await again(env, env.t("onboarding.bad.gone"))
        await profiles.toggle_sector(env.member_id, int(arg))
        return await again(env)
    options = env.options(step)
    if step == TAGS and arg.isdigit() and int(arg) < len(options):
        tag = options[int(arg)]
        if tag in await profiles.tags(env.member_id):
            await profiles.remove_tag(env.member_id, tag)
        elif not await profiles.add_tags(env.member_id, [tag]):
            return await again(env, env.t("onboarding.bad.too_many_tags"))
        return await again(env)
    if step == REG and arg.isdigit() and int(arg) < len(options):
        await profiles.set_fields(env.member_id, region=options[int(arg)])
        return await after(env)
    if step == TZ and arg.isdigit() and int(arg) < len(options) and is_timezone(options[int(arg)]):
        await profiles.set_fields(env.member_id, timezone=options[int(arg)])
        return await after(env)
    if step == EXP and arg in ("y", "n"):
        await profiles.set_fields(env.member_id, is_expert=arg == "y")
        return await after(env)
    if step == NUDGE and arg in NUDGE_FREQUENCIES:
        await profiles.set_fields(env.member_id, nudge_frequency=arg)
        return await after(env)
    if step == CONS and arg in ("y", "n"):
        profile = await profiles.load(env.member_id)
        keep = profile is not None and profile.listed
        if arg == "n" or not keep:
            await profiles.set_fields(env.member_id, directory_consent_at=now if arg == "y" else None)
        return await after(env)
    return await again(env)


async def _intro(env: Env, verb: str) -> Prompt:
    if verb == "post" and env.data.get("intro") and len(env.data.get("intro_at") or []) == 4:
        await end(env)
        raise Posted(str(env.data["intro"]), [str(x) for x in env.data["intro_at"]])
    if verb == "write":
        await save(env)
        decline = env.button(env.t("onboarding.button.no_intro"), INTRO, "no")
        return Prompt(env.t("onboarding.intro.write"), (decline,))
    if verb == "no":
        await end(env)
        raise Ended("onboarding.intro.skipped")
    return await again(env)


# --- typed text -------------------------------------------------------------------------------------------
async def typed(env: Env, text: str) -> Prompt:
    """A message while the flow waits: a button's label or number, else an answer to the step."""
    step = env.state.step
    current = await ask(env, step)
    index = match_label(text, [b.label for b in current.buttons])
    pressed = parse_flow_value(current.buttons[index].value) if index is not None else None
    # A typed option name is an answer where answers are typed ("Numérique" chooses it, never un-chooses it);
    # its number, or a label like "Done", is a button press.
    if pressed is not None and not (pressed.verb == "pick" and step in TYPED and not text.strip().isdigit()):
        return await press(env, pressed.step, pressed.verb, pressed.arg)
    if step not in TYPED:
        return await again(env, env.t("onboarding.bad.choose"))
    try:
        return await _answer(env, step, text)
    except BadAnswer as bad:
        return await again(env, env.t(bad.key, **bad.params))


async def _answer(env: Env, step: str, text: str) -> Prompt:
    profiles = env.profiles
    if step == SECT:
        chosen = match_sectors(text, await profiles.active_sectors())
        await profiles.set_sectors(env.member_id, [s.id for s in chosen])
        return await after(env)
    if step == TAGS:
        tags = parse_tags(text)
        added = await profiles.add_tags(env.member_id, tags)
        line = "" if len(added) == len(tags) else env.t("onboarding.bad.too_many_tags")
        return await again(env, line)
    if step == REG:
        await profiles.set_fields(env.member_id, region=parse_region(text))
        return await after(env)
    if step == TZ:
        await profiles.set_fields(env.member_id, timezone=match_timezone(text))
        return await after(env)
    if step == INTRO:
        env.data["intro"] = parse_intro(text)
        return await again(env)
    return await again(env, env.t("onboarding.bad.choose"))
