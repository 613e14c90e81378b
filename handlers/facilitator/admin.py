"""`/agora settings [key value]` (fr: `reglages`) and `/agora inactive [days] [page]` (fr: `inactifs`).

Settings are the typed keys of bot.community_settings, plus three kept elsewhere and bridged here:
`language` (the community's default language, fr|en), `timezone` (an IANA zone such as Africa/Dakar) and
`faq.threshold` (the FAQ's confidence threshold, bot.faq). `default` as the value restores the default."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select

from bot import community_settings as cs
from bot.context import Context
from bot.errors import UserFacingError
from bot.faq.settings import DEFAULT_SETTINGS as FAQ_DEFAULTS
from bot.faq.store import FaqStore
from bot.i18n import SUPPORTED
from bot.markup import user_text
from bot.store.models import Community, Member
from handlers.facilitator.common import args_of, audit, number, private

PAGE = 20
BRIDGED = ("language", "timezone", "faq.threshold")
_ALIASES = {"langue": "language", "default_language": "language", "lang": "language", "fuseau": "timezone",
            "time_zone": "timezone", "tz": "timezone", "seuil": "faq.threshold", "faq_threshold": "faq.threshold",
            "threshold": "faq.threshold"}
_RESET = frozenset({"default", "defaut", "défaut", "reset"})


async def settings_command(ctx: Context) -> None:
    args = args_of(ctx)
    if not args:
        return await show_settings(ctx)
    key, _, raw = args.partition(" ")
    key = _ALIASES.get(key.lower(), key.lower())
    raw = raw.strip()
    if not raw:
        raise UserFacingError("facilitator.settings.need_value", setting=user_text(key[:40]))
    if key in BRIDGED:
        shown = await _set_bridged(ctx, key, raw)
    else:
        try:
            value = None if raw.lower() in _RESET else cs.parse(key, raw)
        except cs.InvalidSetting as bad:
            raise UserFacingError(bad.reason, **bad.params) from None
        uow = await ctx.uow()
        await cs.store(uow.session, ctx.community_id, key, value, ctx.clock.now(),
                       ctx.member.id if ctx.member else None)
        shown = _value(ctx, cs.SPEC_BY_KEY[key].default if value is None else value)
    await audit(ctx, "facilitator.settings", key, value=shown)
    ctx.reply(ctx.t("facilitator.settings.set", setting=key, value=shown), visibility=private(ctx))


def _value(ctx: Context, value: object) -> str:
    return number(ctx, value, 2) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


async def _set_bridged(ctx: Context, key: str, raw: str) -> str:
    uow = await ctx.uow()
    community = await uow.session.get_one(Community, ctx.community_id)
    reset = raw.lower() in _RESET
    if key == "language":
        chosen = ctx.services.settings.default_locale if reset else raw.lower()[:2]
        if chosen not in SUPPORTED:
            raise UserFacingError("settings.bad_locale")
        community.default_locale = chosen
    elif key == "timezone":
        chosen = ctx.services.settings.timezone if reset else raw
        try:
            ZoneInfo(chosen)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserFacingError("settings.bad_timezone", value=user_text(raw[:60])) from None
        community.timezone = chosen
    else:
        if reset:
            threshold: float | None = None
        else:
            try:
                threshold = float(raw.replace(",", "."))
            except ValueError:
                raise UserFacingError("settings.bad_number") from None
            if not 0.2 <= threshold <= 0.95:
                raise UserFacingError("settings.out_of_range", minimum=0.2, maximum=0.95)
        await FaqStore(uow.session, ctx.community_id).set_threshold(threshold, ctx.clock.now())
        chosen = number(ctx, FAQ_DEFAULTS.threshold if threshold is None else threshold, 2)
    identities = ctx.services.identities
    ctx.on_commit.append(identities.forget_all)  # the community's language and zone are cached with members
    return chosen


async def show_settings(ctx: Context) -> None:
    assert ctx.community is not None
    uow = await ctx.uow()
    values = await cs.load(uow.session, ctx.community_id)
    lines = [ctx.t("facilitator.settings.title")]
    for spec in cs.SPECS:
        lines.append(_line(ctx, spec.key, _value(ctx, values.get(spec.key)), _value(ctx, spec.default),
                           values.is_default(spec.key)))
    settings = ctx.services.settings
    lines.append(_line(ctx, "language", ctx.community.default_locale, settings.default_locale,
                       ctx.community.default_locale == settings.default_locale))
    lines.append(_line(ctx, "timezone", ctx.community.timezone, settings.timezone,
                       ctx.community.timezone == settings.timezone))
    row = await FaqStore(uow.session, ctx.community_id).settings()
    threshold = row.threshold if row is not None else None
    default = number(ctx, FAQ_DEFAULTS.threshold, 2)
    lines.append(_line(ctx, "faq.threshold", number(ctx, threshold, 2) if threshold is not None else default, default,
                       threshold is None))
    lines.append(ctx.t("facilitator.settings.how"))
    await audit(ctx, "facilitator.settings.view")
    ctx.reply("\n".join(lines), visibility=private(ctx))


def _line(ctx: Context, key: str, value: str, default: str, is_default: bool) -> str:
    described = ctx.t(f"facilitator.setting.{key}")
    if is_default:
        return ctx.t("facilitator.settings.line_default", setting=key, value=value, what=described)
    return ctx.t("facilitator.settings.line", setting=key, value=value, default=default, what=described)


async def inactive_command(ctx: Context) -> None:
    words = args_of(ctx).split()
    if len(words) > 2 or not all(w.isdigit() for w in words):
        raise UserFacingError("facilitator.inactive.usage")
    uow = await ctx.uow()
    settings = await cs.load(uow.session, ctx.community_id)
    days = int(words[0]) if words else settings.integer("nudge.inactive_days")
    page = int(words[1]) if len(words) > 1 else 1
    if not 1 <= days <= 3650 or page < 1:
        raise UserFacingError("facilitator.inactive.usage")
    since = ctx.clock.now() - timedelta(days=days)
    scope = (Member.community_id == ctx.community_id, Member.left_at.is_(None),
             or_(Member.last_active_at.is_(None), Member.last_active_at < since))
    total = int((await uow.session.execute(select(func.count()).select_from(Member).where(*scope))).scalar_one())
    rows = (await uow.session.execute(
        select(Member.id, Member.display_name, Member.last_active_at).where(*scope)
        .order_by(Member.last_active_at.asc().nulls_first(), Member.id).offset((page - 1) * PAGE).limit(PAGE))).all()
    pages = max(1, -(-total // PAGE))
    lines = [ctx.t("facilitator.inactive.title", days=days, count=total, page=min(page, pages), pages=pages)]
    for member_id, name, last in rows:
        when = last.date().isoformat() if last is not None else ctx.t("facilitator.inactive.never")
        lines.append(f"- {user_text(name)} (#{member_id}): {when}")
    if page < pages:
        lines.append(ctx.t("facilitator.inactive.more", days=days, next=page + 1))
    await audit(ctx, "facilitator.inactive", str(days), count=total, page=page)
    ctx.reply("\n".join(lines), visibility=private(ctx))
