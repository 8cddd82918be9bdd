"""Archiving: one mechanism for calls, dossiers, rounds, groups, talks and threads.

An archived row leaves lists, pickers, search, deadlines, feeds, digests, public
pages, open data, the API and the shared figures; its own page still opens (with
an "Archived on … by …" notice) and the coordinator restores it. Each archive
and restore is an activity entry whose audience follows the usual rules.

- `not_archived(Model)`: the SQL condition for rows still in use.
- `archived_filter(Model, archived)`: the list pages' "Archived" filter.
- `archive(obj, actor)`, `restore(obj, actor)`: change and record (no commit).
- `delete_blockers(obj)`: what still refers to a row; delete only without any.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select

from app.activity.log import label_of, record
from app.db import utcnow
from app.extensions import db


def not_archived(model: Any) -> Any:
    """SQL condition: rows of `model` that are not archived."""
    return model.archived_at.is_(None)


def archived_filter(model: Any, archived: bool) -> Any:
    """SQL condition for a list page: only archived rows, or only the others."""
    return model.archived_at.is_not(None) if archived else model.archived_at.is_(None)


def task_in_use() -> Any:
    """SQL condition on Task: neither its working group nor the dossier it
    prepares is archived (an archived group's tasks leave deadlines and lists)."""
    from sqlalchemy import or_

    from app.subsidies.models import Application
    from app.work.models import Task, WorkingGroup

    archived_groups = select(WorkingGroup.id).where(
        WorkingGroup.archived_at.is_not(None)
    )
    archived_dossiers = select(Application.id).where(
        Application.archived_at.is_not(None)
    )
    return (or_(Task.group_id.is_(None), Task.group_id.not_in(archived_groups))) & (
        or_(
            Task.application_id.is_(None), Task.application_id.not_in(archived_dossiers)
        )
    )


def comment_in_use() -> Any:
    """SQL condition on Comment: the object it is on is in use (a comment is
    archived with its dossier, its task's group or dossier, its thread)."""
    from sqlalchemy import or_

    from app.comments.models import Comment
    from app.strategy.models import Thread
    from app.subsidies.models import Application
    from app.work.models import Task

    archived_dossiers = select(Application.id).where(
        Application.archived_at.is_not(None)
    )
    archived_threads = select(Thread.id).where(Thread.archived_at.is_not(None))
    tasks_in_use = select(Task.id).where(task_in_use())
    return or_(
        Comment.application_id.is_not(None)
        & Comment.application_id.not_in(archived_dossiers),
        Comment.thread_id.is_not(None) & Comment.thread_id.not_in(archived_threads),
        Comment.task_id.in_(tasks_in_use),
    )


def document_in_use() -> Any:
    """SQL condition on Document: what it belongs to is in use (a document is
    archived with its dossier, call, talk, or its task's group or dossier)."""
    from sqlalchemy import or_

    from app.documents.models import Document
    from app.strategy.models import Conversation
    from app.subsidies.models import Application, SubsidyCall
    from app.work.models import Task

    def archived(model: Any) -> Any:
        return select(model.id).where(model.archived_at.is_not(None))

    return or_(
        Document.application_id.is_not(None)
        & Document.application_id.not_in(archived(Application)),
        Document.call_id.is_not(None) & Document.call_id.not_in(archived(SubsidyCall)),
        Document.conversation_id.is_not(None)
        & Document.conversation_id.not_in(archived(Conversation)),
        Document.task_id.in_(select(Task.id).where(task_in_use())),
        Document.meeting_id.is_not(None),
    )


def task_out_of_use() -> Any:
    """SQL condition on Task: the opposite of `task_in_use()`. Few tasks match:
    counting them from the archived groups and dossiers (on the task's indexes)
    and subtracting is cheaper than testing every task of the region."""
    from sqlalchemy import or_

    from app.subsidies.models import Application
    from app.work.models import Task, WorkingGroup

    return or_(
        Task.group_id.in_(
            select(WorkingGroup.id).where(WorkingGroup.archived_at.is_not(None))
        ),
        Task.application_id.in_(
            select(Application.id).where(Application.archived_at.is_not(None))
        ),
    )


def dossier_in_use() -> Any:
    """SQL condition on Application: the dossier is not archived. An archived
    call leaves its dossiers alone: a granted one still owes its reports."""
    from app.subsidies.models import Application

    return Application.archived_at.is_(None)


def name_of(obj: Any) -> str | None:
    """The name a reader knows an archivable object by."""
    # A talk has no title: it is known by its municipality.
    if type(obj).__tablename__ == "conversation":
        return obj.municipality.name
    return label_of(obj) or None


def _details(obj: Any) -> dict[str, Any]:
    if type(obj).__tablename__ == "conversation":
        return {"held_on": obj.held_on.isoformat()}
    return {}


def archive(obj: Any, actor: Any) -> bool:
    """Archive `obj` and record it; False when it was archived already."""
    if obj.archived_at is not None:
        return False
    when = utcnow()
    obj.archived_at, obj.archived_by_id = when, getattr(actor, "id", None)
    record(
        "archive",
        obj,
        {"archived_at": [None, when.isoformat()]},
        label=name_of(obj),
        details=_details(obj),
        actor=actor,
    )
    return True


def restore(obj: Any, actor: Any) -> bool:
    """Bring an archived `obj` back; False when it was not archived."""
    if obj.archived_at is None:
        return False
    old = obj.archived_at.isoformat()
    obj.archived_at, obj.archived_by_id = None, None
    record(
        "restore",
        obj,
        {"archived_at": [old, None]},
        label=name_of(obj),
        details=_details(obj),
        actor=actor,
    )
    return True


def _blockers() -> dict[str, list[tuple[str, Any]]]:
    """Per table: (reason code, SQL condition on the row's id) of what refers to it."""
    from app.documents.models import Document
    from app.public.models import Publication
    from app.strategy.models import Score, ThreadMention, round_thread
    from app.subsidies.models import (
        Application,
        ApplicationPartner,
        Payment,
        ReportingObligation,
    )
    from app.work.models import Task, Theme

    return {
        "subsidy_call": [
            ("dossiers", lambda i: Application.call_id == i),
            ("documents", lambda i: Document.call_id == i),
        ],
        "application": [
            ("tasks", lambda i: Task.application_id == i),
            ("payments", lambda i: Payment.application_id == i),
            ("documents", lambda i: Document.application_id == i),
            ("partners", lambda i: ApplicationPartner.application_id == i),
            ("obligations", lambda i: ReportingObligation.application_id == i),
            ("publications", lambda i: Publication.application_id == i),
        ],
        "scoring_round": [
            ("scores", lambda i: Score.round_id == i),
            ("publications", lambda i: Publication.round_id == i),
        ],
        "working_group": [("tasks", lambda i: Task.group_id == i)],
        "conversation": [("documents", lambda i: Document.conversation_id == i)],
        # A task is deleted, never archived: not while it has documents.
        "task": [("documents", lambda i: Document.task_id == i)],
        "thread": [
            ("mentions", lambda i: ThreadMention.thread_id == i),
            ("scores", lambda i: Score.thread_id == i),
            ("rounds", lambda i: round_thread.c.thread_id == i),
            ("themes", lambda i: Theme.origin_thread_id == i),
        ],
    }


def delete_blockers(obj: Any) -> list[str]:
    """Codes of what still refers to `obj` (empty: it may be deleted for real)."""
    checks = _blockers()[type(obj).__tablename__]
    if not checks:
        return []
    # One statement whatever the kind: every check is a column of one row.
    found = db.session.execute(
        select(*(exists().where(condition(obj.id)) for _code, condition in checks))
    ).one()
    return [code for (code, _condition), hit in zip(checks, found, strict=True) if hit]


def delete(obj: Any, actor: Any) -> None:
    """Delete `obj` for real (the caller checked `delete_blockers`) and record it."""
    record("delete", obj, label=name_of(obj), details=_details(obj), actor=actor)
    db.session.delete(obj)


def count_archived(model: Any) -> int:
    """How many rows of `model` are archived (the filter link's count)."""
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.archived_at.is_not(None))
    )
