"""Events per person (the inbox), who follows what, preferences and lead times,
and the recorded "remind those who have not answered" actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import enum_check, utcnow
from app.extensions import db
from app.municipalities.models import Municipality

#: How a person receives one kind of event ("off": not at all, nothing stored).
CHANNELS = ("inbox", "mail", "digest", "off")
#: The channels a stored event can have.
STORED_CHANNELS = ("inbox", "mail", "digest")
#: The objects one can follow.
FOLLOWABLE = ("application", "task", "group", "call", "thread")
#: Deadline kinds with a personal lead time (days ahead in the daily digest).
LEAD_KINDS = ("call", "task", "application", "obligation")


class Notification(db.Model):
    """One event for one person: shown in the inbox, mailed or digested after."""

    __tablename__ = "notification"
    __table_args__ = (
        # The bell: unread count of one person, one index range.
        Index("ix_notification_user_read", "user_id", "read_at"),
        # The outbox: what still has to be mailed.
        Index("ix_notification_pending", "channel", "mailed_at"),
        # One event per key and person (obligation due/overdue, once each).
        UniqueConstraint("user_id", "dedupe_key"),
        CheckConstraint(enum_check("channel", STORED_CHANNELS), name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(30))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    # The object's name when it happened (a reader who may see the object).
    title: Mapped[str] = mapped_column(String(300), default="")
    # What changed, as a code the message translates (a status, a date).
    detail: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(10))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class Follow(db.Model):
    """An explicit choice: follow (True) or stop following (False) an object.

    People involved follow automatically without a row; a row with False is
    their unfollow."""

    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("user_id", "object_type", "object_id"),
        Index("ix_follow_object", "object_type", "object_id"),
        CheckConstraint(enum_check("object_type", FOLLOWABLE), name="object_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE")
    )
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    following: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationPreference(db.Model):
    """A person's channel for one kind (no row: the default of their role)."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        CheckConstraint(enum_check("channel", CHANNELS), name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))


class LeadTime(db.Model):
    """A person's lead time for one deadline kind in the daily digest (no row:
    the default of LEAD_TIME_DEFAULTS)."""

    __tablename__ = "lead_time"
    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        CheckConstraint(enum_check("kind", LEAD_KINDS), name="kind"),
        CheckConstraint("days >= 0 AND days <= 365", name="days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    days: Mapped[int]


class SentReminder(db.Model):
    """A reminder someone sent to a municipality about a round or a call: at
    most one per object, municipality and day."""

    __tablename__ = "sent_reminder"
    __table_args__ = (
        UniqueConstraint("object_type", "object_id", "municipality_id", "sent_on"),
        CheckConstraint(enum_check("object_type", ("round", "call")), name="object"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[int]
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE")
    )
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    sent_on: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)

    sender: Mapped[User | None] = relationship()
    municipality: Mapped[Municipality] = relationship()
