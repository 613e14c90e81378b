"""The explicit context a handler receives: the event, who sent it, their language, the services, and the
replies it queues. Nothing is global; everything a handler may touch is reachable from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.events import ConversationRef, Event
from bot.i18n import Catalogs, Translator
from bot.identity import CommunityInfo, Identities, MemberInfo
from bot.ports import Capabilities
from bot.replies import Button, Reply, Visibility
from bot.store.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.router import Route, Router


_NO_CAPABILITIES = Capabilities()


@dataclass
class Services:
    """What the running app offers handlers. Built once by the composition root."""

    settings: Settings
    clock: Clock
    sessions: async_sessionmaker[AsyncSession]
    catalogs: Catalogs
    identities: Identities
    capabilities: dict[str, Capabilities] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)  # feature services registered by handlers' setup
    _translators: dict[str, Translator] = field(default_factory=dict, init=False, repr=False)

    def capability(self, platform: str) -> Capabilities:
        caps = self.capabilities.get(platform)
        return caps if caps is not None else _NO_CAPABILITIES  # not a fresh default for every call

    def translator(self, locale: str) -> Translator:
        """The catalogs bound to `locale`, made once per language (every event asks)."""
        found = self._translators.get(locale)
        if found is None:
            found = self._translators[locale] = self.catalogs.translator(locale)
        return found


class Context:
    """One event's handling. Handlers queue replies with `reply`/`dm`; the pipeline persists them to the
    outbox together with the event's de-duplication key."""

    def __init__(self, event: Event, services: Services, router: Router) -> None:
        self.event = event
        self.services = services
        self.router = router
        self.community: CommunityInfo | None = None
        self.member: MemberInfo | None = None
        self.locale: str = services.settings.default_locale
        self.t: Translator = services.translator(self.locale)
        self.replies: list[Reply] = []
        self.route: Route | None = None
        self.activity: dict[str, Any] | None = None
        # The kinds of conversation the member is in, for a free-text DM (bot.middleware.conversations).
        self.conversations: frozenset[str] = frozenset()
        self._uow: UnitOfWork | None = None
        self.on_commit: list[Callable[[], None]] = []

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def community_id(self) -> int:
        if self.community is None:
            raise RuntimeError("no community resolved for this event")
        return self.community.id

    def set_locale(self, locale: str) -> None:
        self.locale = locale
        self.t = self.services.translator(locale)

    # --- replies -----------------------------------------------------------------------------------------
    def reply(self, text: str, buttons: tuple[Button, ...] | list[Button] = (),
              visibility: Visibility = Visibility.CHANNEL, target: ConversationRef | None = None) -> None:
        """Answer in the conversation the event came from (or `target`). `text` is neutral markup."""
        self.replies.append(Reply(text=text, buttons=tuple(buttons), visibility=visibility, target=target))

    def say(self, key: str, buttons: tuple[Button, ...] | list[Button] = (),
            visibility: Visibility = Visibility.CHANNEL, **params: object) -> None:
        """`reply` with a catalog key, in the member's language."""
        self.reply(self.t(key, **params), buttons=buttons, visibility=visibility)

    def dm(self, text: str, buttons: tuple[Button, ...] | list[Button] = ()) -> None:
        self.reply(text, buttons=buttons, visibility=Visibility.DM)

    def ephemeral(self, text: str, buttons: tuple[Button, ...] | list[Button] = ()) -> None:
        self.reply(text, buttons=buttons, visibility=Visibility.EPHEMERAL)

    # --- state -------------------------------------------------------------------------------------------
    async def uow(self) -> UnitOfWork:
        """The event's own transaction, opened on first use and committed by the pipeline together with the
        replies and the de-duplication key: state changes and their messages land together or not at all."""
        if self._uow is None:
            uow = UnitOfWork(self.services.sessions)
            await uow.__aenter__()
            self._uow = uow
        return self._uow

    @property
    def open_uow(self) -> UnitOfWork | None:
        return self._uow

    def detach_uow(self) -> UnitOfWork | None:
        uow, self._uow = self._uow, None
        return uow
