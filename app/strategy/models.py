"""Strategy: trajectory steps, talks, threads (rode draden), scoring rounds, scores."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import LONG, ArchivableMixin, enum_check, utcnow
from app.extensions import db
from app.municipalities.models import Municipality

STEP_STATUSES = ("planned", "in_progress", "done")
THREAD_STATUSES = ("candidate", "selected", "parked")
ROUND_STATUSES = ("draft", "open", "closed")


class TrajectoryStep(db.Model):
    __tablename__ = "trajectory_step"
    __table_args__ = (
        CheckConstraint(enum_check("status", STEP_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str]
    period: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(LONG), default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")


class Thread(ArchivableMixin, db.Model):
    """A rode draad: a topic raised in the talks with the municipalities."""

    __tablename__ = "thread"
    __table_args__ = (
        CheckConstraint(enum_check("status", THREAD_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    title: Mapped[str]
    description: Mapped[str] = mapped_column(String(LONG), default="")
    status: Mapped[str] = mapped_column(String(20), default="candidate", index=True)


class Conversation(ArchivableMixin, db.Model):
    """A one-on-one talk with the delegation of one municipality."""

    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    held_on: Mapped[date]
    delegation: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(String(LONG), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    municipality: Mapped[Municipality] = relationship()
    mentions: Mapped[list[ThreadMention]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan"
    )


class ThreadMention(db.Model):
    """A thread raised in a talk."""

    __tablename__ = "thread_mention"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    conversation: Mapped[Conversation] = relationship(back_populates="mentions")
    thread: Mapped[Thread] = relationship()


round_thread = Table(
    "round_thread",
    db.metadata,
    Column(
        "round_id",
        ForeignKey("scoring_round.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "thread_id",
        ForeignKey("thread.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)


class ScoringRound(ArchivableMixin, db.Model):
    """A bevraging: every municipality scores the threads it asks about."""

    __tablename__ = "scoring_round"
    __table_args__ = (
        CheckConstraint(enum_check("status", ROUND_STATUSES), name="status"),
        CheckConstraint("closes_on >= opens_on", name="closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    #: Municipalities that answered, written with the round's tally when it
    #: closes (None before: its figures come from the scores themselves).
    respondents: Mapped[int | None]

    threads: Mapped[list[Thread]] = relationship(
        secondary=round_thread, order_by=Thread.code
    )


class Score(db.Model):
    """One municipality's score for one thread in one round (None = no answer)."""

    __tablename__ = "score"
    __table_args__ = (
        UniqueConstraint("round_id", "thread_id", "municipality_id"),
        CheckConstraint("value IS NULL OR (value >= 0 AND value <= 10)", name="value"),
        Index("ix_score_round_municipality", "round_id", "municipality_id"),
        # Covering a round's figures: how often each score per thread, respondents.
        Index(
            "ix_score_round_thread_value",
            "round_id",
            "thread_id",
            "value",
            "municipality_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("scoring_round.id", ondelete="CASCADE")
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="RESTRICT"), index=True
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    value: Mapped[int | None]
    comment: Mapped[str] = mapped_column(String(1000), default="")
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    entered_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round: Mapped[ScoringRound] = relationship()
    thread: Mapped[Thread] = relationship()
    municipality: Mapped[Municipality] = relationship()
    entered_by = relationship("User")


class RoundTally(db.Model):
    """How often each score was given per thread in a closed round: the summary
    its figures are computed from, written by the transaction that closes the
    round (a closed round's scores never change)."""

    __tablename__ = "round_tally"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("scoring_round.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="RESTRICT"), primary_key=True
    )
    value: Mapped[int] = mapped_column(primary_key=True)
    responses: Mapped[int]


class PendingImport(db.Model):
    """A checked score file waiting for its uploader to apply it (in the database,
    so the apply may reach another app host than the preview)."""

    __tablename__ = "pending_import"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    payload: Mapped[str] = mapped_column(Text)
