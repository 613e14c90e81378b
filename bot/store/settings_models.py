"""The community's own settings (issue 06/07): one row per key a facilitator changed, the value as JSON.
Keys, types, bounds and defaults are declared in bot.community_settings; a missing row means the default.

Imported at the end of bot.store.models so that Base.metadata (and the migrations test) sees the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class CommunitySetting(Base):
    __tablename__ = "community_settings"
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
