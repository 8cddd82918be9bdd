"""Activity: who changed what, when; written for every create, update and delete.

An entry stores what happened as data (action, object type and id, the object's
label at the time, changed fields as [old, new] raw values, a few details) and is
rendered in the reader's language when read (app.activity.render). `summary` is
the English sentence of entries written before that, kept as their fallback.
`audience` says who may read the entry (app.auth.permissions.AUDIENCES).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import utcnow
from app.extensions import db


class Activity(db.Model):
    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_entity", "entity_type", "entity_id"),
        Index("ix_activity_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(30), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    # The municipality the change concerns, for filtering and visibility.
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="SET NULL"), index=True
    )
    # The dossier the entry belongs to (its own, a payment's, a preparation task's).
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL"), index=True
    )
    audience: Mapped[str] = mapped_column(
        String(20), default="regional", server_default="regional", index=True
    )
    # The object's name when the entry was written (None: an old, unconverted entry).
    label: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(500), default="")
    # {"field": [old, new], ...} as JSON-safe raw values (codes, ids, ISO dates)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    # What the sentence needs besides the label: {"count": 12, "round": "..."}
    details: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
