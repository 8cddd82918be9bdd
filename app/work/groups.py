"""Working groups: one group's page, and editing its purpose and people."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields import SelectChoice

from app.activity.log import record
from app.auth import permissions
from app.auth.models import Role, User
from app.choices import search_more
from app.extensions import db
from app.municipalities.models import Municipality, active_municipalities_clause
from app.work.models import Task, Theme, WorkingGroup
from app.work.progress import group_progress
from app.work.tasks import tasks_per_page


def load_group(group_id: int) -> WorkingGroup:
    """A group with its theme, leads, members and municipalities (or 404)."""
    group = db.session.scalar(
        select(WorkingGroup)
        .where(WorkingGroup.id == group_id)
        .options(
            joinedload(WorkingGroup.theme),
            selectinload(WorkingGroup.leads),
            selectinload(WorkingGroup.members).joinedload(User.municipality),
            selectinload(WorkingGroup.municipalities),
        )
    )
    if group is None:
        abort(404)
    return group


def group_tasks(group: WorkingGroup, page: int, user: Any):
    """One page of the group's tasks that `user` may see, by due date."""
    pagination = db.paginate(
        select(Task)
        .where(Task.group_id == group.id, permissions.visible_tasks(user))
        # Joined, not a query each: the bound of statements per page (issue 23).
        .options(joinedload(Task.assignee), joinedload(Task.municipality))
        .order_by(Task.due_on.is_(None), Task.due_on, Task.id),
        page=page,
        per_page=tasks_per_page(),
        error_out=False,
    )
    return pagination


def group_detail(group: WorkingGroup, page: int, user: Any) -> dict[str, Any]:
    return {
        "group": group,
        "progress": group_progress([group.id])[group.id],
        "tasks": group_tasks(group, page, user),
    }


# --- editing ------------------------------------------------------------------------


def _users(condition) -> list[User]:
    return list(
        db.session.scalars(select(User).where(condition).order_by(User.full_name))
    )


def fill_group_choices(form, group: WorkingGroup, searches: Any = None) -> None:
    """Options: active leads, active municipalities (and whoever is in the group
    already, so saving never drops them silently). Members are thousands at
    Flanders scale: the form lists the group's own and those picked with its
    search field (`members_search`, app/choices.py), never everyone."""
    current_leads = [u.id for u in group.leads]
    current_members = [u.id for u in group.members]
    current_places = [m.id for m in group.municipalities]
    leads = _users(
        or_((User.role == Role.LEAD) & User.active, User.id.in_(current_leads))
    )
    asked = [i for i in (form.members.data or []) if isinstance(i, int)]
    members = _users(
        or_(
            User.id.in_(current_members),
            User.role.in_([Role.LEAD, Role.MUNICIPALITY])
            & User.active
            & User.id.in_(asked),
        )
    )
    form.members_picked, form.members_matches = search_more(
        "member",
        (searches or {}).get("members_search"),
        [],
        [u.id for u in members],  # listed by the form already
    )
    places = db.session.scalars(
        select(Municipality)
        .where(or_(active_municipalities_clause(), Municipality.id.in_(current_places)))
        .order_by(Municipality.name)
    )
    form.leads.choices = [SelectChoice(str(u.id), u.full_name) for u in leads]
    form.members.choices = [
        SelectChoice(
            str(u.id),
            f"{u.full_name} ({u.municipality.name})" if u.municipality else u.full_name,
        )
        for u in members
    ]
    form.municipalities.choices = [SelectChoice(str(m.id), m.name) for m in places]


def group_form_data(group: WorkingGroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "purpose": group.purpose,
        "leads": [u.id for u in group.leads],
        "members": [u.id for u in group.members],
        "municipalities": [m.id for m in group.municipalities],
    }


def _names(items) -> str:
    return ", ".join(sorted(getattr(i, "full_name", None) or i.name for i in items))


def name_taken(theme: Theme, name: str, group_id: int | None = None) -> bool:
    """Another group of the theme has this name (case-insensitive)."""
    return (
        db.session.scalar(
            select(WorkingGroup.id).where(
                WorkingGroup.theme_id == theme.id,
                func.lower(WorkingGroup.name) == name.lower(),
                WorkingGroup.id != (group_id or 0),
            )
        )
        is not None
    )


def create_group(theme: Theme, name: str, purpose: str) -> WorkingGroup:
    """A new working group of a theme (people and municipalities come next)."""
    group = WorkingGroup(theme_id=theme.id, name=name, purpose=purpose)
    db.session.add(group)
    record("create", group, details={"theme": theme.title})
    db.session.commit()
    return group


def save_group(group: WorkingGroup, form, may_change_leads: bool) -> dict[str, list]:
    """Apply a validated group form and record what changed (old → new)."""
    changes: dict[str, list] = {}
    if form.name.data != group.name:
        changes["name"] = [group.name, form.name.data]
        group.name = form.name.data
    if form.purpose.data != group.purpose:
        changes["purpose"] = [group.purpose, form.purpose.data]
        group.purpose = form.purpose.data
    people = {
        "members": (User, form.members.data),
        "municipalities": (Municipality, form.municipalities.data),
    }
    if may_change_leads:
        people["leads"] = (User, form.leads.data)
    for field, (model, ids) in people.items():
        old = list(getattr(group, field))
        if {o.id for o in old} == set(ids or []):
            continue
        new = list(
            db.session.scalars(select(model).where(model.id.in_(ids or [])))
            if ids
            else []
        )
        changes[field] = [_names(old), _names(new)]
        setattr(group, field, new)
    if changes:
        record("update", group, changes)
    db.session.commit()
    return changes
