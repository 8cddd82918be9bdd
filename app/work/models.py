"""Delivery: themes, their rollout per municipality, working groups and tasks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import LONG, ArchivableMixin, VersionedMixin, enum_check, utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.strategy.models import Thread

THEME_STATUSES = ("active", "paused", "completed")
ROLLOUT_STAGES = (
    "not_participating",
    "not_started",
    "exploring",
    "preparing",
    "implementing",
    "live",
)
TASK_STATUSES = ("todo", "in_progress", "blocked", "done")


class Theme(db.Model):
    __tablename__ = "theme"
    __table_args__ = (
        CheckConstraint(enum_check("status", THEME_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(unique=True)
    description: Mapped[str] = mapped_column(String(LONG), default="")
    origin_thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("thread.id", ondelete="SET NULL"), unique=True
    )
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    origin_thread: Mapped[Thread | None] = relationship()
    # The groups in use (an archived group is listed apart, see theme_detail).
    groups: Mapped[list[WorkingGroup]] = relationship(
        primaryjoin="and_(Theme.id == WorkingGroup.theme_id, "
        "WorkingGroup.archived_at.is_(None))",
        order_by="WorkingGroup.name",
        viewonly=True,
    )


class Rollout(VersionedMixin, db.Model):
    """How far one municipality is with one theme: "progress per municipality"."""

    __tablename__ = "rollout"
    __table_args__ = (
        UniqueConstraint("theme_id", "municipality_id"),
        CheckConstraint(enum_check("stage", ROLLOUT_STAGES), name="stage"),
        # Covering the stage counts per theme and per municipality.
        Index("ix_rollout_theme_stage", "theme_id", "stage", "municipality_id"),
        Index("ix_rollout_municipality_stage", "municipality_id", "stage", "theme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    stage: Mapped[str] = mapped_column(String(20), default="not_started", index=True)
    note: Mapped[str] = mapped_column(String(2000), default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    theme: Mapped[Theme] = relationship()
    municipality: Mapped[Municipality] = relationship()
    updated_by: Mapped[User | None] = relationship()


group_lead = Table(
    "group_lead",
    db.metadata,
    Column(
        "group_id", ForeignKey("working_group.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "user_id",
        ForeignKey("user_account.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)
group_member = Table(
    "group_member",
    db.metadata,
    Column(
        "group_id", ForeignKey("working_group.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "user_id",
        ForeignKey("user_account.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)
group_municipality = Table(
    "group_municipality",
    db.metadata,
    Column(
        "group_id", ForeignKey("working_group.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "municipality_id",
        ForeignKey("municipality.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)


class WorkingGroup(ArchivableMixin, db.Model):
    __tablename__ = "working_group"
    __table_args__ = (
        UniqueConstraint("theme_id", "name"),
        # The few archived groups, whose tasks leave the dashboard's counts.
        Index(
            "ix_working_group_archived",
            "id",
            sqlite_where=text("archived_at IS NOT NULL"),
            postgresql_where=text("archived_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str]
    purpose: Mapped[str] = mapped_column(String(LONG), default="")

    theme: Mapped[Theme] = relationship()
    leads: Mapped[list[User]] = relationship(
        secondary=group_lead, order_by=User.full_name
    )
    members: Mapped[list[User]] = relationship(
        secondary=group_member, order_by=User.full_name
    )
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=group_municipality, order_by=Municipality.name
    )


class Task(VersionedMixin, db.Model):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint(enum_check("status", TASK_STATUSES), name="status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("status <> 'done' OR progress = 100", name="done_is_complete"),
        Index("ix_task_status_due", "status", "due_on"),
        # Covering the open/overdue counts and the progress per group and per
        # municipality (app/work/progress.py): no table rows read.
        Index("ix_task_open", "due_on", "status", "group_id", "application_id"),
        # application_id first: the shared figures count the tasks without a
        # dossier (application_id IS NULL), for the whole region or a few ids.
        Index(
            "ix_task_group_progress", "application_id", "group_id", "status", "progress"
        ),
        Index(
            "ix_task_municipality_progress",
            "application_id",
            "municipality_id",
            "status",
            "progress",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Tasks generated for an application may belong to no working group.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_group.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str]
    description: Mapped[str] = mapped_column(String(LONG), default="")
    status: Mapped[str] = mapped_column(String(20), default="todo")
    progress: Mapped[int] = mapped_column(default=0)
    start_on: Mapped[date | None]
    due_on: Mapped[date | None] = mapped_column(index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    group: Mapped[WorkingGroup | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    municipality: Mapped[Municipality | None] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    application = relationship("Application", back_populates="tasks")


TASK_RECURRENCES = ("monthly", "quarterly", "yearly", "workdays")


class TaskRecurrence(db.Model):
    """A task that comes back: when it is done, its next occurrence is created
    (once: `next_task_id` is set in the same transaction)."""

    __tablename__ = "task_recurrence"
    __table_args__ = (
        CheckConstraint(enum_check("kind", TASK_RECURRENCES), name="kind"),
        CheckConstraint(
            "kind <> 'workdays' OR (workdays >= 1 AND workdays <= 260)",
            name="workdays_range",
        ),
    )

    task_id: Mapped[int] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    # "workdays": the next one is due this many working days after this one is done.
    workdays: Mapped[int | None]
    next_task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="SET NULL"), unique=True
    )


class TaskDependency(db.Model):
    """A task that starts after another one: it may not start before that one is
    done (one predecessor per task)."""

    __tablename__ = "task_dependency"
    __table_args__ = (CheckConstraint("task_id <> after_id", name="not_itself"),)

    task_id: Mapped[int] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True
    )
    after_id: Mapped[int] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), index=True
    )

    after: Mapped[Task] = relationship(foreign_keys=[after_id])


class TaskTemplate(db.Model):
    """A working group's named list of tasks, applied to a date."""

    __tablename__ = "task_template"
    __table_args__ = (UniqueConstraint("group_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("working_group.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[WorkingGroup] = relationship()
    items: Mapped[list[TaskTemplateItem]] = relationship(
        order_by="TaskTemplateItem.position",
        cascade="all, delete-orphan",
        back_populates="template",
    )


class TaskTemplateItem(db.Model):
    """One task of a template: due this many working days after the date applied."""

    __tablename__ = "task_template_item"
    __table_args__ = (
        CheckConstraint(
            "offset_workdays >= 0 AND offset_workdays <= 1000", name="offset_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("task_template.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str]
    offset_workdays: Mapped[int]

    template: Mapped[TaskTemplate] = relationship(back_populates="items")
