"""Forums (the Midwest-overleg, thematic forums), their meetings, agenda items,
decisions and action points.

A forum is its own small model, not a working group: the Midwest-overleg has no
theme and no tasks of its own. A thematic forum may point at the working group
whose people meet in it; its members are then the group's leads and members as
well as its own.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import LONG, enum_check, utcnow
from app.extensions import db
from app.work.models import Task, WorkingGroup

NOTE_KINDS = ("decision", "action")

forum_member = Table(
    "forum_member",
    db.metadata,
    Column("forum_id", ForeignKey("forum.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "user_id",
        ForeignKey("user_account.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Forum(db.Model):
    __tablename__ = "forum"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    description: Mapped[str] = mapped_column(String(LONG), default="")
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_group.id", ondelete="SET NULL"), index=True
    )

    group: Mapped[WorkingGroup | None] = relationship()
    members: Mapped[list[User]] = relationship(
        secondary=forum_member, order_by=User.full_name
    )


class Meeting(db.Model):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forum.id", ondelete="RESTRICT"), index=True
    )
    held_on: Mapped[date] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(default="")
    location: Mapped[str] = mapped_column(default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    forum: Mapped[Forum] = relationship()


class AgendaItem(db.Model):
    """A point on a meeting's agenda, optionally about a theme, dossier, call or
    thread."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str]
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL"), index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL"), index=True
    )
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("subsidy_call.id", ondelete="SET NULL"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("thread.id", ondelete="SET NULL"), index=True
    )

    theme = relationship("Theme")
    application = relationship("Application")
    call = relationship("SubsidyCall")
    thread = relationship("Thread")


class MeetingNote(db.Model):
    """A decision or an action point recorded during or after a meeting; an
    action point may become a task (`task_id`), which links it back here."""

    __tablename__ = "meeting_note"
    __table_args__ = (CheckConstraint(enum_check("kind", NOTE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(2000))
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="SET NULL"), unique=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    theme = relationship("Theme")
    task: Mapped[Task | None] = relationship()
