"""Excel exports of delivery: the task list (same filters as /tasks) and rollout."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from app import clock
from app.auth import permissions
from app.auth.models import User
from app.exports.excel import Column, new_workbook, sheet
from app.exports.registry import exporter
from app.extensions import db
from app.formatting import fmt_yes_no, progress_value
from app.labels import label
from app.municipalities.models import Municipality
from app.work.models import Task, Theme, WorkingGroup
from app.work.progress import municipality_progress
from app.work.tasks import TaskFilters, task_query
from app.work.themes import all_municipalities, rollout_matrix

#: Rows fetched at a time: large exports stream instead of filling memory.
BATCH = 2000


def task_rows(filters: TaskFilters, user):
    """(title, theme, group, status, progress, start, due, overdue, assignee,
    municipality, task id, version) of the filtered list, in its order, as plain
    rows (no ORM objects: fast). The id and version come last: what the tasks
    import (app.work.task_import) needs to find each task and see whether it
    changed since the export."""
    today = clock.today()
    assignee = aliased(User)
    query = (
        task_query(filters, today, user)
        .outerjoin(WorkingGroup, Task.group_id == WorkingGroup.id)
        .outerjoin(Theme, WorkingGroup.theme_id == Theme.id)
        .outerjoin(assignee, Task.assignee_id == assignee.id)
        .outerjoin(Municipality, Task.municipality_id == Municipality.id)
        .with_only_columns(
            Task.title,
            Theme.title,
            WorkingGroup.name,
            Task.status,
            Task.progress,
            Task.start_on,
            Task.due_on,
            assignee.full_name,
            Municipality.name,
            Task.id,
            Task.version,
        )
        .execution_options(yield_per=BATCH)
    )
    statuses = {}
    overdue_words = {True: fmt_yes_no(True), False: fmt_yes_no(False)}
    rows = db.session.execute(query)
    for title, theme, group, status, progress, start, due, who, place, *ids in rows:
        if status not in statuses:
            statuses[status] = label("task_status", status)
        overdue = due is not None and due < today and status != "done"
        yield (
            title,
            theme or "",
            group or "",
            statuses[status],
            progress_value(progress),
            start,
            due,
            overdue_words[overdue],
            who or "",
            place or "",
            *ids,
        )


@exporter("tasks")
def export_tasks(user, args, param):
    """The tasks of /tasks with the same filters and order."""
    if not permissions.can_view_regional(user):
        abort(403)
    workbook = new_workbook()
    sheet(
        workbook,
        _("Tasks"),
        task_columns(),
        task_rows(TaskFilters.from_args(args), user),
    )
    return workbook


def task_columns() -> list[Column]:
    """The columns of the tasks export, in the reader's language; the import
    reads its header back (in either language)."""
    return [
        Column(_("Task"), 45),
        Column(_("Theme"), 28),
        Column(_("Working group"), 28),
        Column(_("Status"), 14),
        Column(_("Progress"), 10, "percent"),
        Column(_("Start date"), 12, "date"),
        Column(_("Due date"), 12, "date"),
        Column(_("Overdue"), 10),
        Column(_("Assignee"), 26),
        Column(_("Municipality concerned"), 20),
        # For the import: which task, and the version exported (leave unchanged).
        Column(_("Task id"), 10, "int"),
        Column(_("Version"), 10, "int"),
    ]


@exporter("rollout")
def export_rollout(user, args, param):
    """Themes × municipalities: the stage of each, and each row with its note."""
    if not permissions.can_view_regional(user):
        abort(403)
    themes = list(db.session.scalars(db.select(Theme).order_by(Theme.title)))
    municipalities = all_municipalities()
    matrix = rollout_matrix()
    figures = municipality_progress([m.id for m in municipalities])
    workbook = new_workbook()
    columns = [
        Column(_("Municipality"), 22),
        Column(_("Merged into"), 18),
        *[Column(theme.title, 22) for theme in themes],
        Column(_("Tasks concerning it"), 12, "int"),
        Column(_("Tasks done"), 12, "int"),
    ]
    sheet(
        workbook,
        _("Rollout"),
        columns,
        (
            [
                m.name,
                m.merged_into.name if m.merged_into else "",
                *[
                    label("rollout_stage", matrix[(t.id, m.id)].stage)
                    if (t.id, m.id) in matrix
                    else ""
                    for t in themes
                ],
                figures[m.id].tasks.total,
                figures[m.id].tasks.done,
            ]
            for m in municipalities
        ),
    )
    names = {m.id: m.name for m in municipalities}
    people = {
        u.id: u.full_name
        for u in db.session.scalars(
            db.select(User).where(
                User.id.in_({r.updated_by_id for r in matrix.values()} - {None})
            )
        )
    }
    sheet(
        workbook,
        _("Notes"),
        [
            Column(_("Theme"), 28),
            Column(_("Municipality"), 22),
            Column(_("Stage"), 16),
            Column(_("Note"), 50),
            Column(_("Updated by"), 24),
            Column(_("Updated at"), 18, "datetime"),
        ],
        (
            [
                t.title,
                names[m_id],
                label("rollout_stage", matrix[(t.id, m_id)].stage),
                matrix[(t.id, m_id)].note,
                people.get(matrix[(t.id, m_id)].updated_by_id, ""),
                matrix[(t.id, m_id)].updated_at,
            ]
            for t in themes
            for m_id in names
            if (t.id, m_id) in matrix
        ),
    )
    return workbook
