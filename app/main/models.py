"""When each person last opened their dashboard (for "new since your last visit")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class DashboardVisit(db.Model):
    """One row per person: the moment of their current visit (`last_at`, kept
    fresh while they come back within a visit) and of the one before
    (`previous_at`): what changed since then is "new". Bookkeeping no cached
    figure reads (app.readmodel.UNTRACKED_TABLES)."""

    __tablename__ = "dashboard_visit"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    last_at: Mapped[datetime]
    previous_at: Mapped[datetime | None]
