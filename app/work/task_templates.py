"""Task templates of working groups: a named list of tasks with offsets in
working days, applied to a date in one transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.activity.log import diff, record
from app.auth.models import User
from app.extensions import db
from app.work.models import Task, TaskTemplate, TaskTemplateItem, WorkingGroup
from app.workdays import add_working_days

#: Templates a group's page lists (bounded).
TEMPLATES_SHOWN = 50


def group_templates(group: WorkingGroup) -> list[TaskTemplate]:
    """A group's templates with their tasks (two statements)."""
    return list(
        db.session.scalars(
            select(TaskTemplate)
            .where(TaskTemplate.group_id == group.id)
            .options(selectinload(TaskTemplate.items))
            .order_by(TaskTemplate.name, TaskTemplate.id)
            .limit(TEMPLATES_SHOWN)
        )
    )


def load_template(template_id: int) -> TaskTemplate:
    return db.get_or_404(TaskTemplate, template_id)


def template_name_taken(group: WorkingGroup, name: str) -> bool:
    return (
        db.session.scalar(
            select(TaskTemplate.id).where(
                TaskTemplate.group_id == group.id,
                TaskTemplate.name == name,
            )
        )
        is not None
    )


def create_template(
    group: WorkingGroup, name: str, items: list[tuple[int, str]]
) -> TaskTemplate:
    """Store a template and note it in the group's activity."""
    template = TaskTemplate(
        group_id=group.id,
        name=name,
        items=[
            TaskTemplateItem(position=n, offset_workdays=offset, title=title)
            for n, (offset, title) in enumerate(items)
        ],
    )
    db.session.add(template)
    record("update", group, {"task_template": [None, name]})
    db.session.commit()
    return template


def delete_template(template: TaskTemplate, group: WorkingGroup) -> None:
    record("update", group, {"task_template": [template.name, None]})
    db.session.delete(template)
    db.session.commit()


def apply_template(template: TaskTemplate, start: date, user: User) -> list[Task]:
    """The template's tasks in its group, each due its offset in working days
    after `start`: one transaction, one activity entry per task."""
    tasks = []
    for item in template.items:
        task = Task(group_id=template.group_id, description="")
        changes = diff(
            task,
            {
                "title": item.title,
                "status": "todo",
                "progress": 0,
                "due_on": add_working_days(start, item.offset_workdays),
            },
        )
        task.updated_by_id = user.id
        db.session.add(task)
        db.session.flush()
        record("create", task, changes)
        tasks.append(task)
    db.session.commit()
    return tasks
