"""A document uploaded to a dossier (and perhaps to one of its obligations), a
call, a talk, a task or a forum meeting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import enum_check, utcnow
from app.extensions import db

DOCUMENT_KINDS = (
    "approval_letter",
    "report",
    "annex",
    "regulations",
    "notes",
    "deliverable",
    "minutes",
)
#: The columns naming what a document belongs to: exactly one is set.
OWNER_COLUMNS = (
    "application_id",
    "call_id",
    "conversation_id",
    "task_id",
    "meeting_id",
)


class DocumentFile(db.Model):
    """The bytes of a document, in the database: every app host reads them."""

    __tablename__ = "document_file"

    storage_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Document(db.Model):
    """A file stored in DocumentFile by its random `storage_key`.

    The name the user gave is kept for display and download only; it never
    becomes a path. Removing a document archives it (the file stays, for the
    record and the backups).
    """

    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint(enum_check("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint(
            " + ".join(
                f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in OWNER_COLUMNS
            )
            + " = 1",
            name="one_owner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    # A call, talk, task or meeting with documents is not deleted for real
    # (app.archive's blockers, like a dossier's): the cascades never run.
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("subsidy_call.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    obligation_id: Mapped[int | None] = mapped_column(
        ForeignKey("reporting_obligation.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="annex")
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def title(self) -> str:
        """The name activity entries and lists show."""
        return self.filename
