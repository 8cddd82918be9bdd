"""What a document belongs to: a dossier, a call, a talk, a task or a meeting.

One table of owner kinds: the URL segment of the upload route, the Document
column, how the owner is named and where its page is. The rules of who sees and
who uploads are in app.auth.permissions (`can_view_documents`,
`can_manage_documents`, by the owner's table name).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from app.formatting import fmt_date


@dataclass(frozen=True)
class OwnerKind:
    table: str  # the owner's table name: the rules' owner_type
    segment: str  # /<segment>/<id>/documents
    column: str  # the Document column that points at it
    model: Callable[[], Any]
    title: Callable[[Any], str]
    endpoint: str  # the owner's page, with the owner's id as `arg`
    arg: str
    kinds: tuple[str, ...] = ("annex",)  # what its documents may be
    section: str = "documents"  # the id of the page's documents section

    def page(self, owner: Any) -> str:
        return url_for(self.endpoint, **{self.arg: owner.id})


def _application():
    from app.subsidies.models import Application

    return Application


def _call():
    from app.subsidies.models import SubsidyCall

    return SubsidyCall


def _talk():
    from app.strategy.models import Conversation

    return Conversation


def _task():
    from app.work.models import Task

    return Task


def _meeting():
    from app.meetings.models import Meeting

    return Meeting


KINDS = (
    OwnerKind(
        "application",
        "applications",
        "application_id",
        _application,
        lambda a: a.title,
        "subsidies.application",
        "application_id",
        ("approval_letter", "report", "annex"),
        "dossier-documents",
    ),
    OwnerKind(
        "subsidy_call",
        "calls",
        "call_id",
        _call,
        lambda c: c.title,
        "subsidies.call",
        "call_id",
        ("regulations", "annex"),
    ),
    OwnerKind(
        "conversation",
        "talks",
        "conversation_id",
        _talk,
        lambda t: f"{t.municipality.name}, {fmt_date(t.held_on)}",
        "strategy.talk_edit",
        "talk_id",
        ("notes", "annex"),
    ),
    OwnerKind(
        "task",
        "tasks",
        "task_id",
        _task,
        lambda t: t.title,
        "work.task",
        "task_id",
        ("deliverable", "annex"),
    ),
    OwnerKind(
        "meeting",
        "meetings",
        "meeting_id",
        _meeting,
        lambda m: f"{m.forum.name}, {fmt_date(m.held_on)}",
        "meetings.detail",
        "meeting_id",
        ("minutes", "annex"),
    ),
)
BY_TABLE = {kind.table: kind for kind in KINDS}
BY_SEGMENT = {kind.segment: kind for kind in KINDS}


def kind_of(owner: Any) -> OwnerKind:
    """The owner kind of a dossier, call, talk, task or meeting."""
    return BY_TABLE[type(owner).__tablename__]


def owner_of(document: Any) -> tuple[OwnerKind, Any]:
    """The kind and the row a document belongs to (the row None when gone)."""
    from app.extensions import db

    for kind in KINDS:
        owner_id = getattr(document, kind.column)
        if owner_id is not None:
            return kind, db.session.get(kind.model(), owner_id)
    raise LookupError(f"document {document.id} has no owner")


def document_url(document: Any) -> str:
    """The documents section of the page a document is on (no query: from the
    document's own owner column)."""
    for kind in KINDS:
        owner_id = getattr(document, kind.column)
        if owner_id is not None:
            url = url_for(kind.endpoint, **{kind.arg: owner_id})
            return f"{url}#{kind.section}"
    return ""


def dossier_id_of(owner: Any) -> int | None:
    """The dossier whose readers may read about `owner` (itself, or the dossier
    a task prepares)."""
    if type(owner).__tablename__ == "application":
        return owner.id
    return getattr(owner, "application_id", None)
