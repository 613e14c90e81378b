"""The one reminder for an unfinished onboarding. The scheduler sends an hourly ScheduledTick to every
community (bot.scheduler); for each member whose onboarding made no progress for
AGORA_ONBOARDING_REMINDER_DAYS and who was never reminded, the reminder is claimed (a conditional update: one
process wins, and never a second time) and the member gets their current question again, the flow revived
where it stopped if it had expired."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.events import ScheduledTick
from bot.markup import user_text
from bot.replies import Visibility
from bot.store.onboarding import Onboardings
from bot.store.profiles import Profiles
from bot.store.repositories import Conversations
from handlers.onboarding.buttons import new_flow_id
from handlers.onboarding.flow import KIND, again
from handlers.onboarding.steps import LANG, QUESTIONS, REV, SECT, TAGS, Env

TICK = "hourly"


async def remind_unfinished(ctx: Context) -> int:
    """Send the due reminders of the tick's community; returns how many were sent."""
    event = ctx.event
    if not isinstance(event, ScheduledTick) or event.job != TICK or ctx.community is None:
        return 0
    settings, now = ctx.services.settings, ctx.clock.now()
    uow = await ctx.uow()
    onboardings = Onboardings(uow.session, ctx.community_id)
    conversations = Conversations(uow.session, ctx.community_id)
    profiles = Profiles(uow.session, ctx.community_id)
    ttl = timedelta(days=settings.onboarding_expiry_days)
    sent = 0
    for record in await onboardings.due_reminders(now, timedelta(days=settings.onboarding_reminder_days)):
        if not await onboardings.claim_reminder(record.member_id, now):
            continue
        profile = await profiles.load(record.member_id)
        target = await profiles.dm_ref(record.member_id)
        if profile is None or target is None:
            continue  # nowhere to write: the reminder is spent all the same, never retried
        state = await conversations.get(record.member_id, KIND, now)
        if state is None:
            step = record.furthest_step if record.furthest_step in (*QUESTIONS, REV) else SECT
            if step == LANG and profile.locale is not None:
                step = SECT
            no_sectors = not await profiles.active_sectors()
            if step == SECT and no_sectors:
                step = TAGS
            data = {"flow": new_flow_id(), "bilingual": profile.locale is None and step == LANG,
                    "no_sectors": no_sectors}
            state = await conversations.put(record.member_id, KIND, step, data, now, ttl)
        locale = profile.locale or ctx.community.default_locale
        t = ctx.services.translator(locale)
        env = Env(session=uow.session, community_id=ctx.community_id, member_id=record.member_id,
                  locale=locale, t=t, now=now, settings=settings, community_timezone=ctx.community.timezone,
                  state=state, translators=ctx.services.translator)
        prompt = await again(env, t("onboarding.reminder", name=user_text(profile.display_name)))
        ctx.reply(prompt.text, buttons=prompt.buttons, visibility=Visibility.DM, target=target)
        sent += 1
    return sent
