"""What the peer-help handlers share: writing to a member wherever they are (their own language, their DM on
the platform they still accept DMs on), the community's settings, and reading a request id from a button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.community_settings import CommunitySettings, load
from bot.context import Context
from bot.events import ConversationRef
from bot.i18n import Translator
from bot.markup import user_text
from bot.peer_help.store import HelpRequests
from bot.replies import Button, Visibility
from bot.store.models import Member, Sector, Workspace
from bot.store.peer_help_models import HelpRequest
from bot.store.profiles import Profiles

RELAY = "help_relay"  # ConversationState kind: the request a member's DMs are relayed to
PROPOSAL = "help_faq"  # ConversationState kind: the expert is typing the answer to propose as an FAQ entry
RELAY_TTL = timedelta(days=30)
MAX_QUESTION = 1500
MAX_RELAYED = 3000


@dataclass(frozen=True, slots=True)
class Person:
    """A member as the bot writes to them: their name, language and where their DMs go (None: nowhere)."""

    id: int
    name: str
    locale: str
    target: ConversationRef | None
    left: bool
    platform: str | None

    def t(self, ctx: Context) -> Translator:
        return ctx.services.translator(self.locale)


def default_locale(ctx: Context) -> str:
    return ctx.community.default_locale if ctx.community else ctx.services.settings.default_locale


def community_tz(ctx: Context) -> str:
    return ctx.community.timezone if ctx.community else ctx.services.settings.timezone


async def person(ctx: Context, member_id: int | None) -> Person | None:
    if member_id is None:
        return None
    uow = await ctx.uow()
    member = (await uow.session.execute(select(Member).where(
        Member.id == member_id, Member.community_id == ctx.community_id))).scalar_one_or_none()
    if member is None:
        return None
    target = await Profiles(uow.session, ctx.community_id).dm_ref(member_id)
    return Person(member.id, member.display_name, member.locale or default_locale(ctx), target,
                  member.left_at is not None, target.platform if target else None)


def tell(ctx: Context, who: Person | None, key: str, buttons: list[Button] | None = None, **params: object) -> bool:
    """DM `who` in their language; False when they cannot be written to (no open DM anywhere, or gone)."""
    if who is None or who.target is None or who.left:
        return False
    if ctx.member is not None and ctx.member.id == who.id:  # the one acting: answer where they are
        ctx.reply(who.t(ctx)(key, **params), buttons=buttons or [], visibility=Visibility.DM)
    else:
        ctx.reply(who.t(ctx)(key, **params), buttons=buttons or [], visibility=Visibility.DM, target=who.target)
    return True


async def settings(ctx: Context) -> CommunitySettings:
    uow = await ctx.uow()
    return await load(uow.session, ctx.community_id)


def claim_timeout(conf: CommunitySettings) -> timedelta:
    return timedelta(hours=conf.number("help.claim_timeout_hours"))


def checkin_delay(conf: CommunitySettings) -> timedelta:
    return timedelta(days=conf.integer("help.checkin_days"))


async def store(ctx: Context) -> HelpRequests:
    uow = await ctx.uow()
    return HelpRequests(uow.session, ctx.community_id)


def request_id(value: str) -> int | None:
    head = value.split(":", 1)[0]
    return int(head) if head.isdigit() and len(head) < 18 else None


async def sector_name(ctx: Context, sector_id: int | None, locale: str) -> str:
    if sector_id is None:
        return "-"
    uow = await ctx.uow()
    row = (await uow.session.execute(select(Sector).where(
        Sector.id == sector_id, Sector.community_id == ctx.community_id))).scalar_one_or_none()
    if row is None:
        return "-"
    return row.name_en if locale == "en" else row.name_fr


def quote(text: str, limit: int = MAX_QUESTION) -> str:
    """A member's text, as the bot shows it to someone else: capped, markup escaped, mentions neutralised."""
    text = text.strip()
    return user_text(text if len(text) <= limit else text[: limit - 1] + "…")


async def facilitator_channels(ctx: Context) -> list[ConversationRef]:
    """The facilitators' channel: each workspace's configured fallback channel (AGORA_FALLBACK_CHANNELS)."""
    uow = await ctx.uow()
    rows = (await uow.session.execute(select(Workspace).where(
        Workspace.community_id == ctx.community_id, Workspace.fallback_channel_id.is_not(None))
        .order_by(Workspace.id))).scalars()
    return [ConversationRef(w.platform, w.external_id, w.fallback_channel_id, None) for w in rows]



async def asked_by_member(ctx: Context, rid: int) -> tuple[HelpRequests, HelpRequest] | None:
    """The store and request `rid` when the member behind `ctx` asked it; otherwise the member is told the
    button or id is stale and None comes back (someone else's request looks exactly like a missing one)."""
    assert ctx.member is not None
    requests = await store(ctx)
    row = await requests.get(rid)
    if row is None or row.asker_id != ctx.member.id:
        ctx.say("help_req.stale")
        return None
    return requests, row
