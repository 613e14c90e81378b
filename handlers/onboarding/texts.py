"""What the flow shows that is more than one catalog string: the profile card, the first steps after the
flow, and the introduction (its draft, its preview and the post itself). Member-provided text goes through
`user_text`, so nothing a member typed can format a message or ping a channel."""

from __future__ import annotations

from bot.i18n import Translator
from bot.markup import user_text
from bot.store.profiles import Profile

CARD_FIELDS = ("sect", "tags", "reg", "lang", "tz", "exp", "nudge", "cons")


def card(t: Translator, locale: str, profile: Profile) -> str:
    """Every field of the profile, one per line."""
    none = t("profile.none")
    values = {
        "sect": ", ".join(user_text(s.name(locale)) for s in profile.sectors) or none,
        "tags": ", ".join(user_text(tag) for tag in profile.tags) or none,
        "reg": user_text(profile.region) if profile.region else none,
        "lang": t(f"language.name.{profile.locale}") if profile.locale else none,
        "tz": user_text(profile.timezone) if profile.timezone else none,
        "exp": t("profile.expert_yes") if profile.is_expert else t("profile.expert_no"),
        "nudge": t(f"profile.nudge.{profile.nudge_frequency}"),
        "cons": t("profile.listed") if profile.listed else t("profile.not_listed"),
    }
    rows = [t("profile.row", field=t(f"profile.field.{code}"), value=values[code]) for code in CARD_FIELDS]
    return "\n".join([t("profile.card.title", name=user_text(profile.display_name)), *rows])


def intro_draft(t: Translator, locale: str, profile: Profile) -> str:
    """A first introduction made from the profile, in plain text; the member approves or rewrites it."""
    parts = [t("onboarding.intro.hello", name=profile.display_name)]
    if profile.sectors:
        sectors = ", ".join(s.name(locale) for s in profile.sectors)
        parts.append(t("onboarding.intro.sectors", sectors=sectors))
    if profile.region:
        parts.append(t("onboarding.intro.region", region=profile.region))
    if profile.tags:
        parts.append(t("onboarding.intro.tags", tags=", ".join(profile.tags)))
    return " ".join(parts)


def intro_preview(t: Translator, channel: str, draft: str) -> str:
    return t("onboarding.intro.preview", channel=user_text(channel), text=user_text(draft))


def intro_post(t: Translator, name: str, draft: str) -> str:
    return t("onboarding.intro.post", name=user_text(name), text=user_text(draft))


def first_steps(t: Translator, locale: str, profile: Profile) -> str:
    """The one first action at the end of the flow: where to go, how to ask for help."""
    lines = [t("onboarding.finished", name=user_text(profile.display_name))]
    channels = [f"#{s.channel}" for s in profile.sectors if s.channel]
    if channels:
        lines.append(t("onboarding.first.channels", channels=user_text(", ".join(channels))))
    else:
        lines.append(t("onboarding.first.directory"))
    lines.append(t("onboarding.first.help"))
    return "\n".join(lines)
