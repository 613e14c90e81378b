"""The community's own settings (issues 05-07): one row per community, one typed column per setting, so that a
job reads them with a plain query and the database refuses nonsense. A missing row, or a NULL column, means the
default declared in bot.community_settings (defaults stay in code: changing one changes it for every community
that never chose).

Imported at the end of bot.store.models so that Base.metadata (and the migrations test) sees the table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class CommunitySettingsRow(Base):
    __tablename__ = "community_settings"
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    nudge_day: Mapped[str | None] = mapped_column(String(3))
    nudge_time: Mapped[str | None] = mapped_column(String(5))
    nudge_inactive_days: Mapped[int | None] = mapped_column(Integer)
    nudge_newcomer_days: Mapped[int | None] = mapped_column(Integer)
    nudge_window_days: Mapped[int | None] = mapped_column(Integer)
    nudge_max_unanswered: Mapped[int | None] = mapped_column(Integer)
    nudge_holdout_share: Mapped[float | None] = mapped_column(Float)
    help_claim_timeout_hours: Mapped[float | None] = mapped_column(Float)
    help_rounds: Mapped[int | None] = mapped_column(Integer)
    help_experts_per_round: Mapped[int | None] = mapped_column(Integer)
    help_expert_cap: Mapped[int | None] = mapped_column(Integer)
    help_checkin_days: Mapped[int | None] = mapped_column(Integer)
    retention_cost_kept: Mapped[float | None] = mapped_column(Float)
    retention_cost_recruited: Mapped[float | None] = mapped_column(Float)
    broadcast_max_reminders: Mapped[int | None] = mapped_column(Integer)
    broadcast_remind_after_hours: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
