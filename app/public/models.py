"""Publication: the coordinator's decision that one object is public."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import utcnow
from app.extensions import db

#: Exactly one of the object columns is set.
_ONE_OBJECT = (
    "(CASE WHEN theme_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN application_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN round_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Publication(db.Model):
    """A published theme, granted dossier or closed round's results.

    One foreign key per kind (not a polymorphic id): deleting the object deletes
    its publication, so a later object that reuses the id is never public.
    Unpublishing deletes the row.
    """

    __tablename__ = "publication"
    __table_args__ = (CheckConstraint(_ONE_OBJECT, name="one_object"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), unique=True
    )
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("scoring_round.id", ondelete="CASCADE"), unique=True
    )
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    published_by: Mapped[User | None] = relationship()
