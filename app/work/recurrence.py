"""Recurring tasks and "starts after" dependencies between tasks.

Decision: every recurrence creates its next occurrence when the current one is
set to done (in the same transaction, once: the recurrence keeps the id of the
occurrence it made). A calendar recurrence (monthly, quarterly, yearly) is due
one period after the current one's due date; "workdays" is due N working days
after the day it was done. Generated due dates fall on working days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app import signals
from app.activity.log import diff, record
from app.extensions import db
from app.work.models import Task, TaskDependency, TaskRecurrence
from app.workdays import add_months, add_working_days, working_day_on_or_before

MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
#: The tasks of a group the "starts after" field offers (bounded list).
PREDECESSOR_CHOICES = 200


def next_due(recurrence: TaskRecurrence, task: Task, today: date) -> date:
    """The due date of the occurrence after `task`."""
    if recurrence.kind == "workdays":
        return add_working_days(today, recurrence.workdays or 1)
    base = task.due_on or today
    return working_day_on_or_before(add_months(base, MONTHS[recurrence.kind]))


def recurrence_of(task: Task) -> TaskRecurrence | None:
    return db.session.get(TaskRecurrence, task.id) if task.id else None


def predecessor_of(task: Task) -> Task | None:
    """The task `task` starts after, if any."""
    if task.id is None:
        return None
    return db.session.scalar(
        select(Task)
        .join(TaskDependency, TaskDependency.after_id == Task.id)
        .where(TaskDependency.task_id == task.id)
    )


def create_next_occurrence(task: Task, today: date, user) -> Task | None:
    """When a recurring task is done: its next occurrence (once), recorded.
    Added to the session; the caller commits."""
    recurrence = recurrence_of(task)
    if recurrence is None or recurrence.next_task_id is not None:
        return None
    due = next_due(recurrence, task, today)
    start = None
    if task.start_on and task.due_on:
        start = due - (task.due_on - task.start_on)
    following = Task(group_id=task.group_id, description=task.description)
    changes = diff(
        following,
        {
            "title": task.title,
            "status": "todo",
            "progress": 0,
            "start_on": start,
            "due_on": due,
            "assignee_id": task.assignee_id,
            "municipality_id": task.municipality_id,
        },
    )
    following.updated_by_id = user.id
    db.session.add(following)
    db.session.flush()
    db.session.add(
        TaskRecurrence(
            task_id=following.id, kind=recurrence.kind, workdays=recurrence.workdays
        )
    )
    recurrence.next_task_id = following.id
    record("create", following, changes, municipality_id=following.municipality_id)
    # As a task created on its group's page: its assignee is told (the status
    # of a new task is no change of status).
    signals.task_saved.send(following, changes=changes, created=True, actor=user)
    return following


def create_next_occurrences(tasks: Iterable[Task], today: date, user) -> None:
    """create_next_occurrence for each of `tasks` set to done by a batch (the
    recurrences of the batch read in one query). The caller commits."""
    tasks = list(tasks)
    if not tasks:
        return
    recurring = set(
        db.session.scalars(
            select(TaskRecurrence.task_id).where(
                TaskRecurrence.task_id.in_([task.id for task in tasks])
            )
        )
    )
    for task in tasks:
        if task.id in recurring:
            create_next_occurrence(task, today, user)


def early_starts(values: Mapping[int, dict], today: date) -> dict[int, str]:
    """The tasks of a batch ({task id: {field: new}}, tasks loaded already)
    that would start before their predecessor is done: {task id: why, as the
    task's form says it}; a predecessor the same batch marks done does not hold
    its follower back. One query for the whole batch."""
    if not values:
        return {}
    predecessors = db.session.execute(
        select(TaskDependency.task_id, Task)
        .join(Task, Task.id == TaskDependency.after_id)
        .where(TaskDependency.task_id.in_(list(values)))
    ).all()
    refused = {}
    for task_id, predecessor in predecessors:
        if values.get(predecessor.id, {}).get("status") == "done":
            continue  # done in the same batch
        task = db.session.get(Task, task_id)  # loaded already: no query
        refusal = start_refusal(task, values[task_id], predecessor, today)
        if refusal:
            refused[task_id] = refusal
    return refused


def start_refusal(
    task: Task, values: dict, predecessor: Task | None, today: date
) -> str | None:
    """Why `values` may not be saved on `task` while its predecessor is not done
    (started, done, or a start date today or earlier), else None."""
    if predecessor is None or predecessor.status == "done":
        return None
    status = values.get("status")
    starts = status in ("in_progress", "done") and status != task.status
    start_on = values.get("start_on", task.start_on)
    dated = start_on is not None and start_on != task.start_on and start_on <= today
    if starts or dated:
        return _(
            "This task starts after “%(title)s”, which is not done yet: it cannot "
            "be started or done before that one is done.",
            title=predecessor.title,
        )
    return None


def makes_cycle(task: Task, after_id: int) -> bool:
    """Whether `task` starting after `after_id` closes a loop of dependencies."""
    seen: set[int] = set()
    current: int | None = after_id
    while current is not None and current not in seen:
        if current == task.id:
            return True
        seen.add(current)
        current = db.session.scalar(
            select(TaskDependency.after_id).where(TaskDependency.task_id == current)
        )
    return False


def predecessor_choices(task: Task | None, group_id: int | None) -> list:
    """The tasks of the group that `task` may start after (a bounded list)."""
    if group_id is None:
        return []
    query = (
        select(Task.id, Task.title)
        # Not a dossier's preparation task: its title may be private.
        .where(Task.group_id == group_id, Task.application_id.is_(None))
        .order_by(Task.due_on, Task.id)
        .limit(PREDECESSOR_CHOICES)
    )
    if task is not None and task.id is not None:
        query = query.where(Task.id != task.id)
    return db.session.execute(query).all()


def plan_changes(task: Task, form) -> dict[str, list]:
    """Set the recurrence and the predecessor the form asks for (when the form
    had these fields) on `task` (flushed, with an id); the changes for its
    activity entry."""
    changes: dict[str, list] = {}
    if getattr(form, "recurrence", None) is not None and form.recurrence.raw_data:
        changes |= _set_recurrence(task, form)
    if getattr(form, "after_id", None) is None or not form.after_id.raw_data:
        return changes
    after_id = form.after_id.data or None
    dependency = db.session.get(TaskDependency, task.id)
    old_after = dependency.after_id if dependency else None
    if after_id != old_after:
        changes["after_id"] = [old_after, after_id]
        if after_id is None:
            db.session.delete(dependency)
        elif dependency is None:
            db.session.add(TaskDependency(task_id=task.id, after_id=after_id))
        else:
            dependency.after_id = after_id
    return changes


def _set_recurrence(task: Task, form) -> dict[str, list]:
    kind = form.recurrence.data or None
    workdays = form.recur_workdays.data if kind == "workdays" else None
    recurrence = recurrence_of(task)
    old = (recurrence.kind, recurrence.workdays) if recurrence else (None, None)
    if (kind, workdays) == old:
        return {}
    if kind is None:
        db.session.delete(recurrence)
    elif recurrence is None:
        db.session.add(TaskRecurrence(task_id=task.id, kind=kind, workdays=workdays))
    else:
        recurrence.kind, recurrence.workdays = kind, workdays
    return {"recurrence": [_plain_recurrence(*old), _plain_recurrence(kind, workdays)]}


def _plain_recurrence(kind: str | None, workdays: int | None) -> str | None:
    if kind == "workdays":
        return f"workdays:{workdays}"
    return kind


def dependency_refusal(task: Task, form) -> str | None:
    """Why the predecessor the form asks for is refused (not in the group,
    itself, or a loop), else None."""
    if not getattr(form, "after_id", None) or not form.after_id.raw_data:
        return None
    after_id = form.after_id.data
    if not after_id:
        return None
    if task.id is not None and makes_cycle(task, after_id):
        return _(
            "This would make a loop: that task already waits, directly or "
            "indirectly, for this one."
        )
    return None


def fill_plan(form, task: Task | None, group_id: int | None) -> None:
    """The options of the "starts after" field, and (unless submitted) the
    recurrence and predecessor the task has now."""
    form.after_id.choices = form.after_id.choices[:1] + [
        (str(row.id), row.title) for row in predecessor_choices(task, group_id)
    ]
    if task is None or task.id is None:
        return
    recurrence = recurrence_of(task)
    if recurrence is not None and not form.recurrence.raw_data:
        form.recurrence.data = recurrence.kind
        form.recur_workdays.data = recurrence.workdays
    if not form.after_id.raw_data:
        dependency = db.session.get(TaskDependency, task.id)
        form.after_id.data = dependency.after_id if dependency else None


def refuse_plan(task: Task, form, today: date) -> bool:
    """Put on the form why it may not be saved (a start before the predecessor
    is done, a loop of dependencies); True when it was refused."""
    refused = False
    loop = dependency_refusal(task, form)
    if loop:
        form.after_id.errors = [*form.after_id.errors, loop]
        refused = True
    if getattr(form, "after_id", None) is not None and form.after_id.raw_data:
        after_id = form.after_id.data
        predecessor = db.session.get(Task, after_id) if after_id else None
    else:
        predecessor = predecessor_of(task)
    early = start_refusal(task, form.values(), predecessor, today)
    if early:
        form.status.errors = [*form.status.errors, early]
        refused = True
    return refused


def task_plan(task: Task) -> dict:
    """What a task's page shows of its plan: recurrence and predecessor."""
    return {"recurrence": recurrence_of(task), "predecessor": predecessor_of(task)}
