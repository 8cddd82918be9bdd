"""A comment on a dossier, a task or a thread, and the people it mentions.

A comment belongs to exactly one object (one of its three keys is set) and goes
with it: deleting the object deletes its comments; archiving it archives them
(they stay on its page, and leave search and the API with it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import LONG, utcnow
from app.extensions import db

#: The objects a comment may be on: URL segment -> the comment's key column.
TARGET_KEYS = {
    "applications": "application_id",
    "tasks": "task_id",
    "threads": "thread_id",
}

comment_mention = Table(
    "comment_mention",
    db.metadata,
    Column(
        "comment_id",
        ForeignKey("comment.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "user_id",
        ForeignKey("user_account.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Comment(db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN application_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN task_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN thread_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        # The comments of one object, newest first (its page shows the last ones).
        Index("ix_comment_application", "application_id", "created_at", "id"),
        Index("ix_comment_task", "task_id", "created_at", "id"),
        Index("ix_comment_thread", "thread_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE")
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE")
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # What the author typed (light Markdown); rendered and sanitised when shown.
    body: Mapped[str] = mapped_column(String(LONG))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column()

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    mentioned: Mapped[list[User]] = relationship(
        secondary=comment_mention, order_by=User.full_name
    )

    @property
    def target_segment(self) -> str:
        """The URL segment of the object it is on ("applications", ...)."""
        for segment, key in TARGET_KEYS.items():
            if getattr(self, key) is not None:
                return segment
        raise ValueError("a comment without an object")

    @property
    def target_id(self) -> int:
        return getattr(self, TARGET_KEYS[self.target_segment])
