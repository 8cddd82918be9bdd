"""Tasks: the filtered list (page and export), and creating, saving, deleting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import selectinload

from app import clock, signals
from app.activity.log import diff, record
from app.activity.models import Activity
from app.archive import task_in_use
from app.auth import permissions
from app.auth.models import User
from app.choices import (
    Choice,
    Matches,
    chosen_choice,
    municipality_choice,
    person_choice,
    search_choices,
)
from app.concurrency import ensure_current
from app.extensions import db
from app.municipalities.models import Municipality
from app.sorting import Sort, Sortable
from app.web.params import parse_int
from app.work.models import TASK_STATUSES, Task, Theme, WorkingGroup
from app.work.progress import overdue_clause
from app.work.recurrence import create_next_occurrence, fill_plan, plan_changes

DUE_FILTERS = ("overdue", "week", "month")
#: The columns /tasks (and its export) sort on; the default: due date, earliest first.
TASK_SORT = Sortable(
    columns={
        "title": func.lower(Task.title),
        "group": select(func.lower(WorkingGroup.name))
        .where(WorkingGroup.id == Task.group_id)
        .correlate_except(WorkingGroup)
        .scalar_subquery(),
        "status": case(
            {status: rank for rank, status in enumerate(TASK_STATUSES)},
            value=Task.status,
        ),
        "progress": Task.progress,
        "due": Task.due_on,
        "assignee": select(func.lower(User.full_name))
        .where(User.id == Task.assignee_id)
        .correlate_except(User)
        .scalar_subquery(),
        "municipality": select(func.lower(Municipality.name))
        .where(Municipality.id == Task.municipality_id)
        .correlate_except(Municipality)
        .scalar_subquery(),
    },
    default="due",
    tie=Task.id,
)
#: "week" and "month": not done and due within this many days from today.
DUE_WINDOWS = {"week": 7, "month": 31}
#: Task rows are the app's heaviest (links, actions, progress, who and where):
#: a page lists at most this many (issue 23: cheap to render), the pager the rest.
TASKS_PER_PAGE = 25


def tasks_per_page() -> int:
    """Rows on a page of tasks (/tasks, a group's page): TASKS_PER_PAGE, or
    PAGE_SIZE when that is smaller."""
    return min(current_app.config["PAGE_SIZE"], TASKS_PER_PAGE)


def row_options() -> tuple:
    """What a row of tasks shows, loaded in a fixed number of queries."""
    return (
        selectinload(Task.group).selectinload(WorkingGroup.leads),
        selectinload(Task.group).selectinload(WorkingGroup.theme),
        selectinload(Task.assignee),
        selectinload(Task.municipality),
    )


@dataclass(frozen=True)
class TaskFilters:
    """The filters of /tasks, as they appear in its query string."""

    status: str | None = None
    theme: int | None = None
    group: int | None = None
    municipality: int | None = None
    assignee: int | None = None
    due: str | None = None
    sort: str = "due"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> TaskFilters:
        """Read the query string; unknown values are ignored (no filter)."""
        status = args.get("status")
        due = args.get("due")
        return cls(
            status=status if status in TASK_STATUSES else None,
            theme=parse_int(args.get("theme")),
            group=parse_int(args.get("group")),
            municipality=parse_int(args.get("municipality")),
            assignee=parse_int(args.get("assignee")),
            due=due if due in DUE_FILTERS else None,
            sort=TASK_SORT.parse(args).arg,
        )

    def to_args(self) -> dict[str, str]:
        """The query string of these filters (only what is set)."""
        args = {k: str(v) for k, v in asdict(self).items() if v not in (None, "")}
        if args.get("sort") == TASK_SORT.default:
            del args["sort"]
        return args

    def with_sort(self, sort: str) -> dict[str, str]:
        return replace(self, sort=sort).to_args()

    @property
    def sorting(self) -> Sort:
        """The sort of the list (for its column headers)."""
        return TASK_SORT.parse({"sort": self.sort})

    @property
    def active(self) -> bool:
        return any(v for k, v in asdict(self).items() if k != "sort")


def task_query(filters: TaskFilters, today: date, user: Any) -> Select:
    """SELECT of the tasks `user` may see matching `filters`, sorted: the list and
    the export."""
    query = select(Task).where(permissions.visible_tasks(user), task_in_use())
    if filters.status:
        query = query.where(Task.status == filters.status)
    if filters.theme:
        query = query.where(
            Task.group_id.in_(
                select(WorkingGroup.id).where(WorkingGroup.theme_id == filters.theme)
            )
        )
    if filters.group:
        query = query.where(Task.group_id == filters.group)
    if filters.municipality:
        query = query.where(Task.municipality_id == filters.municipality)
    if filters.assignee:
        query = query.where(Task.assignee_id == filters.assignee)
    if filters.due == "overdue":
        query = query.where(overdue_clause(today))
    elif filters.due in DUE_WINDOWS:
        until = today + timedelta(days=DUE_WINDOWS[filters.due])
        query = query.where(
            Task.status != "done", Task.due_on >= today, Task.due_on < until
        )
    return query.order_by(*TASK_SORT.order_by(filters.sorting))


def is_overdue(task: Task, today: date) -> bool:
    """The one rule (same as overdue_clause): due date passed and not done."""
    return task.due_on is not None and task.due_on < today and task.status != "done"


@dataclass(frozen=True)
class FilterOptions:
    """What the filters of /tasks offer: short lists whole (plain rows), long ones
    (groups, municipalities, assignees) as a search field with its matches."""

    themes: list[tuple[int, str]]
    chosen: dict[str, Choice | None]
    matches: dict[str, Matches]


#: The filters of /tasks that search instead of listing every option.
SEARCHED_FILTERS = ("group", "municipality", "assignee")


def filter_options(
    filters: TaskFilters, searches: Mapping[str, str], user: Any
) -> FilterOptions:
    """What the filters of /tasks offer (plain rows: one query per list)."""
    return FilterOptions(
        themes=db.session.execute(
            select(Theme.id, Theme.title).order_by(Theme.title)
        ).all(),
        chosen={
            kind: chosen_choice(kind, getattr(filters, kind), user)
            for kind in SEARCHED_FILTERS
        },
        matches={
            kind: search_choices(kind, searches.get(f"{kind}_search"), user)
            for kind in SEARCHED_FILTERS
        },
    )


# --- editing ------------------------------------------------------------------------


def fill_choices(
    form,
    task: Task | None = None,
    searches: Mapping[str, str] | None = None,
    group_id: int | None = None,
) -> None:
    """Give a full task form its search fields: the assignee (among the people who
    may be assigned) and the municipality (among those not merged away); the
    current one of each may stay. `searches`: what was typed in them. Also its
    recurrence and the tasks of its group it may start after."""
    if hasattr(form, "assignee_id"):
        fill_plan(form, task, task.group_id if task else group_id)
        searches = searches or {}
        form.current_assignee_id = task.assignee_id if task else None
        form.assignee_choice = person_choice(form.assignee_id.data)
        form.assignee_matches = search_choices(
            "assignable", searches.get("assignee_id_search")
        )
        form.current_municipality_id = task.municipality_id if task else None
        form.municipality_choice = municipality_choice(form.municipality_id.data)
        form.municipality_matches = search_choices(
            "workplace", searches.get("municipality_id_search")
        )


def submitted_values(form) -> dict[str, str]:
    """What the user typed, to show back when their save conflicts."""
    return {
        field.name: ", ".join(str(v) for v in (field.raw_data or []))
        for field in form
        if field.name not in ("csrf_token", "version")
    }


def save_task(task: Task, form, user: User) -> dict[str, list]:
    """Apply a validated form (full or status/progress only) and record it.

    Raises EditConflict when the form was based on an older version.
    """
    ensure_current(task, form.version.data, submitted_values(form))
    changes = diff(task, form.values()) | plan_changes(task, form)
    if changes:
        task.updated_by_id = user.id
        record(
            "update",
            task,
            changes,
            municipality_id=task.municipality_id,
        )
        signals.task_saved.send(task, changes=changes, created=False, actor=user)
    if changes.get("status", [None, None])[1] == "done":
        create_next_occurrence(task, clock.today(), user)
    db.session.commit()
    return changes


def create_task(group: WorkingGroup, form, user: User) -> Task:
    task = Task(group_id=group.id, description="")
    changes = diff(task, form.values())
    task.updated_by_id = user.id
    db.session.add(task)
    db.session.flush()
    changes |= plan_changes(task, form)
    record(
        "create",
        task,
        changes,
        municipality_id=task.municipality_id,
    )
    signals.task_saved.send(task, changes=changes, created=True, actor=user)
    if task.status == "done":
        create_next_occurrence(task, clock.today(), user)
    db.session.commit()
    return task


def _file_with_dossier(task: Task, user: User) -> None:
    """A deleted preparation task's history moves to its dossier: entries about a
    task that no longer exists could not be kept as private as the dossier."""
    db.session.execute(
        update(Activity)
        .where(Activity.entity_type == "task", Activity.entity_id == task.id)
        .values(
            entity_type="application",
            entity_id=task.application_id,
            municipality_id=task.application.lead_municipality_id,
        )
    )
    record(
        "update",
        task.application,
        {"task": [task.title, None]},
        municipality_id=task.application.lead_municipality_id,
        actor=user,
    )


def delete_task(task: Task, user: User) -> None:
    if task.application_id is not None:
        _file_with_dossier(task, user)
        db.session.delete(task)
        db.session.commit()
        return
    record(
        "delete",
        task,
        {"title": [task.title, None]},
        municipality_id=task.municipality_id,
        actor=user,
    )
    db.session.delete(task)
    db.session.commit()
