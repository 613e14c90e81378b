"""The steps of the profile flow, in order, and the question each one asks (text and buttons).

Answers are written to the member's real profile columns as soon as they are given; the conversation row only
holds what the flow itself needs (its id, where to return after an edit, the options offered, an intro draft).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import SUPPORTED, Translator
from bot.markup import user_text
from bot.replies import Button
from bot.store.models import ConversationState
from bot.store.profiles import NUDGE_FREQUENCIES, Profile, Profiles
from handlers.onboarding.buttons import flow_button
from handlers.onboarding.texts import card, intro_preview

LANG, SECT, TAGS, REG, TZ, EXP, NUDGE, CONS, REV, INTRO = (
    "lang", "sect", "tags", "reg", "tz", "exp", "nudge", "cons", "rev", "intro")
ORDER = (LANG, SECT, TAGS, REG, TZ, EXP, NUDGE, CONS, REV, INTRO)  # the funnel's order too
FIELDS = (SECT, TAGS, REG, LANG, TZ, EXP, NUDGE, CONS)  # what the review and /profile can edit
QUESTIONS = ORDER[:ORDER.index(REV)]
TYPED = frozenset({SECT, TAGS, REG, TZ, INTRO})  # steps that take typed answers beyond their buttons' labels
COMMON_ZONES = ("Europe/Paris", "Africa/Dakar", "Africa/Abidjan", "Europe/Brussels", "America/Toronto")
MAX_SECTOR_BUTTONS = 20


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str
    buttons: tuple[Button, ...] = ()

    def after(self, line: str) -> Prompt:
        """The same question with `line` (a confirmation, an error) before it."""
        return replace(self, text=f"{line}\n\n{self.text}" if line else self.text)


@dataclass
class Env:
    """What a step works with: the event's transaction, whose flow it is, and their language."""

    session: AsyncSession
    community_id: int
    member_id: int
    locale: str
    t: Translator
    now: datetime
    settings: Settings
    community_timezone: str
    state: ConversationState
    translators: Callable[[str], Translator]
    # A copy of the conversation's data: changed freely, written back whole by flow.save (a JSON column only
    # notices a new value, not a change made inside the old one).
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.data:
            self.data = copy.deepcopy(dict(self.state.data or {}))

    def relocale(self, locale: str) -> None:
        self.locale, self.t = locale, self.translators(locale)

    @property
    def flow(self) -> str:
        return str(self.data.get("flow", ""))

    @property
    def profiles(self) -> Profiles:
        return Profiles(self.session, self.community_id)

    def options(self, step: str) -> list[str]:
        return [str(o) for o in (self.data.get("opts") or {}).get(step, [])]

    def button(self, label: str, step: str, verb: str, arg: str = "", style: str = "default") -> Button:
        return flow_button(label, self.flow, step, verb, arg, style)


async def offer(env: Env, step: str) -> list[str]:
    """The options offered when a step starts; kept in the conversation so their numbers stay stable."""
    if step == TAGS:
        mine = [s.id for s in await env.profiles.sectors_of(env.member_id)]
        return await env.profiles.suggested_tags(mine)
    if step == REG:
        return await env.profiles.popular_regions()
    if step == TZ:
        return list(dict.fromkeys([env.community_timezone, *COMMON_ZONES]))[:5]
    return []


def _done_and_skip(env: Env, step: str) -> list[Button]:
    return [env.button(env.t("onboarding.button.done"), step, "done", style="primary"),
            env.button(env.t("onboarding.button.skip"), step, "skip")]


def _skip(env: Env, step: str) -> list[Button]:
    return [env.button(env.t("onboarding.button.skip"), step, "skip")]


def _current(env: Env, value: str | None) -> str:
    return env.t("onboarding.current", value=value) if value else ""


def _counter(env: Env, step: str) -> str:
    """"(3/8)" while onboarding goes forward; nothing while editing."""
    if env.data.get("ret") or step not in QUESTIONS:
        return ""
    steps = [s for s in QUESTIONS if s != LANG or env.data.get("asked_lang")]
    if env.data.get("no_sectors"):
        steps = [s for s in steps if s != SECT]
    return f"({steps.index(step) + 1}/{len(steps)}) " if step in steps else ""


async def ask(env: Env, step: str) -> Prompt:
    """The question of `step`, showing what the member already answered."""
    t, profile = env.t, await env.profiles.load(env.member_id)
    assert profile is not None
    lead = _counter(env, step)
    if step == LANG:
        key = "onboarding.ask.language_both" if env.data.get("bilingual") else "onboarding.ask.language"
        return Prompt(lead + t(key), tuple(env.button(t(f"language.name.{code}"), LANG, "pick", code)
                                          for code in SUPPORTED))
    if step == SECT:
        return await _ask_sectors(env, profile, lead)
    if step == TAGS:
        mine = set(profile.tags)
        buttons = [env.button(("✓ " if tag in mine else "") + tag, TAGS, "pick", str(i))
                   for i, tag in enumerate(env.options(TAGS))]
        chosen = ", ".join(user_text(tag) for tag in profile.tags)
        text = lead + t("onboarding.ask.tags")
        if chosen:
            text += "\n" + t("onboarding.chosen", value=chosen)
        return Prompt(text, (*buttons, *_done_and_skip(env, TAGS)))
    if step == REG:
        buttons = [env.button(region, REG, "pick", str(i)) for i, region in enumerate(env.options(REG))]
        current = _current(env, user_text(profile.region) if profile.region else None)
        return Prompt(lead + t("onboarding.ask.region") + (f"\n{current}" if current else ""),
                      (*buttons, *_skip(env, REG)))
    if step == TZ:
        buttons = [env.button(zone, TZ, "pick", str(i)) for i, zone in enumerate(env.options(TZ))]
        current = _current(env, profile.timezone)
        return Prompt(lead + t("onboarding.ask.timezone") + (f"\n{current}" if current else ""),
                      (*buttons, *_skip(env, TZ)))
    if step == EXP:
        return Prompt(lead + t("onboarding.ask.expert"), (
            env.button(t("onboarding.button.expert_yes"), EXP, "pick", "y", "primary"),
            env.button(t("onboarding.button.expert_no"), EXP, "pick", "n"), *_skip(env, EXP)))
    if step == NUDGE:
        return Prompt(lead + t("onboarding.ask.nudges"), (
            *(env.button(t(f"profile.nudge.{freq}"), NUDGE, "pick", freq) for freq in NUDGE_FREQUENCIES),
            *_skip(env, NUDGE)))
    if step == CONS:
        return Prompt(lead + t("onboarding.ask.consent"), (
            env.button(t("onboarding.button.consent_yes"), CONS, "pick", "y", "primary"),
            env.button(t("onboarding.button.consent_no"), CONS, "pick", "n")))
    if step == REV:
        buttons = [env.button(t(f"profile.field.{field}"), REV, "edit", field) for field in FIELDS]
        buttons.append(env.button(t("onboarding.button.finish"), REV, "finish", style="primary"))
        return Prompt(t("onboarding.review") + "\n" + card(t, env.locale, profile), tuple(buttons))
    if step == INTRO:
        channel = str((env.data.get("intro_at") or ["", "", "", ""])[3])
        return Prompt(intro_preview(t, channel, str(env.data.get("intro", ""))), (
            env.button(t("onboarding.button.post"), INTRO, "post", style="primary"),
            env.button(t("onboarding.button.write"), INTRO, "write"),
            env.button(t("onboarding.button.no_intro"), INTRO, "no")))
    raise ValueError(f"unknown step {step!r}")


async def _ask_sectors(env: Env, profile: Profile, lead: str) -> Prompt:
    mine = {s.id for s in profile.sectors}
    sectors = await env.profiles.active_sectors()
    buttons = [env.button(("✓ " if s.id in mine else "") + s.name(env.locale), SECT, "pick", str(s.id))
               for s in sectors[:MAX_SECTOR_BUTTONS]]
    chosen = ", ".join(user_text(s.name(env.locale)) for s in profile.sectors)
    text = lead + env.t("onboarding.ask.sectors")
    if len(sectors) > MAX_SECTOR_BUTTONS:
        text += "\n" + env.t("onboarding.ask.sectors_more")
    if chosen:
        text += "\n" + env.t("onboarding.chosen", value=chosen)
    return Prompt(text, (*buttons, *_done_and_skip(env, SECT)))
