"""The schema. Every row that belongs to an association carries `community_id`: queries filter on it.

Changing anything here needs an Alembic migration (migrations/versions); a test compares the two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (so that it is the rowid alias and autoincrements) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
TS = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, datetime: TS}


class Community(Base):
    """An association, chamber or union: the tenant."""

    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_locale: Mapped[str] = mapped_column(String(8), default="fr")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    created_at: Mapped[datetime]


class Workspace(Base):
    """A Slack team, a Discord guild, a Telegram group, or the console: where members meet the bot."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_workspaces_platform_external"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    fallback_channel_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Member(Base):
    """One person, whatever the number of platforms they use."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | facilitator | admin
    is_expert: Mapped[bool] = mapped_column(Boolean, default=False)
    # Profile (issue 03): how often the nudges may write (weekly | monthly | never), and when the member agreed
    # to appear in the directory (None: not listed). Sectors, expertise tags and onboarding live in their tables.
    nudge_frequency: Mapped[str] = mapped_column(String(16), default="weekly", server_default="weekly")
    directory_consent_at: Mapped[datetime | None]
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    last_active_at: Mapped[datetime | None] = mapped_column(index=True)


class PlatformAccount(Base):
    """A member's identity on one platform and workspace."""

    __tablename__ = "platform_accounts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_user_id", name="uq_platform_accounts_workspace_user"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    dm_channel_id: Mapped[str | None] = mapped_column(String(64))
    unreachable_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Sector(Base):
    """A filiere: the community's own taxonomy of trades, used for routing and the directory."""

    __tablename__ = "sectors"
    __table_args__ = (UniqueConstraint("community_id", "slug", name="uq_sectors_community_slug"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Expertise tags suggested to members of this sector, and the community's channel for it (a name, shown).
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    channel: Mapped[str | None] = mapped_column(String(100))
    retired_at: Mapped[datetime | None]


class MemberSector(Base):
    """Which sectors a member belongs to."""

    __tablename__ = "member_sectors"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)


class Activity(Base):
    """That a member did something, and when: never what they wrote."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_member_ts", "member_id", "ts"),
        Index("ix_activity_community_ts", "community_id", "ts"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str] = mapped_column(String(16))
    ts: Mapped[datetime]


class ProcessedEvent(Base):
    """Inbound platform events already handled: the de-duplication key, written with the event's effects."""

    __tablename__ = "processed_events"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class Outbox(Base):
    """Every message the bot sends, persisted first, delivered by the sender (bot.outbox.sender)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "platform", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    thread_id: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    visibility: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(64))
    # The platform event this message answers (a Discord interaction, say): adapters use it to reply in place.
    in_reply_to: Mapped[str | None] = mapped_column(String(128))
    # Files sent with the message (a chart, CSV exports): [{"name", "path", "media_type"}], kept on disk under
    # AGORA_DATA_DIR; platforms that cannot show files get their paths in the text (bot.outbox.render).
    attachments: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ActionPayload(Base):
    """The payload behind a button's short id, so the wire carries little and survives restarts."""

    __tablename__ = "action_payloads"
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class ConversationState(Base):
    """A multi-step conversation (onboarding, a help request, a broadcast draft): survives restarts, expires."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("member_id", "kind", name="uq_conversation_states_member_kind"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]


class AuditLog(Base):
    """What facilitators did, for accountability. Details hold ids and settings, never message contents."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    actor_member_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]]
    ts: Mapped[datetime]


class LinkCode(Base):
    """A one-time code that joins a platform account to an existing member (`link` on one platform, the code
    on another). Short-lived and single-use."""

    __tablename__ = "link_codes"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


from bot.store import facilitator_models as _facilitator_models  # noqa: E402, F401
from bot.store import faq_models as _faq_models  # noqa: E402, F401
from bot.store import nudge_models as _nudge_models  # noqa: E402, F401
from bot.store import peer_help_models as _peer_help_models  # noqa: E402, F401
from bot.store import profile_models as _profile_models  # noqa: E402, F401
from bot.store import settings_models as _settings_models  # noqa: E402, F401
