"""Choices too many for a select (working groups, municipalities, assignees,
calls): a search field shows the first matches, read as plain rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, select

from app.archive import not_archived
from app.auth import permissions
from app.auth.models import User
from app.extensions import db
from app.municipalities.models import Municipality
from app.subsidies.models import SubsidyCall
from app.work.models import Task, WorkingGroup

#: How many matches a search shows (type more of the name to narrow it down).
MATCHES_SHOWN = 20


@dataclass(frozen=True)
class Choice:
    id: int
    text: str
    merged: bool = False  # a municipality that merged into another


@dataclass(frozen=True)
class Matches:
    choices: list[Choice]
    more: bool = False  # more match than are shown


def _choice_query(kind: str, user: Any = None):
    """(SELECT id, name, merged; the id column; the name column) of a kind.
    Assignees are the people with a task `user` may see."""
    if kind == "group":
        id_, name = WorkingGroup.id, WorkingGroup.name
        query = select(id_, name, literal(False)).where(not_archived(WorkingGroup))
        return query, id_, name
    if kind == "municipality":
        id_, name = Municipality.id, Municipality.name
        merged = Municipality.merged_into_id.is_not(None)
        return select(id_, name, merged), id_, name
    if kind == "call":
        id_, name = SubsidyCall.id, SubsidyCall.title
        query = select(id_, name, literal(False)).where(not_archived(SubsidyCall))
        return query, id_, name
    # Assignees: the people who have a task (whom filtering can find).
    id_, name = User.id, User.full_name
    assignees = select(Task.assignee_id).where(Task.assignee_id.is_not(None))
    if user is not None:
        assignees = assignees.where(permissions.visible_tasks(user))
    return select(id_, name, literal(False)).where(id_.in_(assignees)), id_, name


KINDS = ("group", "municipality", "assignee", "call")


def search_choices(kind: str, text: str | None, user: Any = None) -> Matches:
    """The first matches (case-insensitive, anywhere in the name); none for an
    empty search or an unknown kind."""
    text = (text or "").strip().lower()
    if kind not in KINDS or not text:
        return Matches([])
    query, id_, name = _choice_query(kind, user)
    rows = db.session.execute(
        query.where(func.lower(name).contains(text, autoescape=True))
        .order_by(name, id_)
        .limit(MATCHES_SHOWN + 1)
    )
    choices = [Choice(*row) for row in rows]
    return Matches(choices[:MATCHES_SHOWN], more=len(choices) > MATCHES_SHOWN)


def chosen_choice(kind: str, choice_id: int | None, user: Any = None) -> Choice | None:
    """The option a filter has now (its name, shown next to the search field)."""
    if choice_id is None or kind not in KINDS:
        return None
    query, id_, _name = _choice_query(kind, user)
    row = db.session.execute(query.where(id_ == choice_id)).first()
    return Choice(*row) if row else None
