"""Bulk update by Excel (issue 28 item 4): the tasks export, edited and uploaded.

The file is the tasks export (app.work.exports): its header in either language,
and its last two columns, the task id and the version exported, say which task a
row is and whether someone changed it since. Read: title, status, start date,
due date and assignee (what the task form lets who bulk-edits change); the other
columns are the export's context and are ignored. Every error is collected by
cell; only a file without errors can be applied, and applying goes through the
bulk actions' one transaction (app.work.bulk.apply_task_values): every changed
task must still be at its exported version, or nothing is written. Between the
preview and the apply the parsed changes wait in the database
(app.pending_imports), never the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl.utils import get_column_letter
from sqlalchemy import func, or_, select

from app import clock
from app.auth import permissions
from app.auth.models import Role, User
from app.db import SHORT
from app.extensions import db
from app.labels import LABELS, label
from app.strategy.workbooks import check_formulas
from app.uploads import UploadError, open_xlsx, read_sheet
from app.work.bulk import load_tasks, plan_task_values
from app.work.exports import task_columns
from app.work.forms import DATE_FORMATS
from app.work.models import Task
from app.work.recurrence import early_starts

#: Rows read at most (a whole region's tasks), and changed tasks applied at once.
MAX_ROWS = 10000
MAX_CHANGED = 1000
#: The export's columns and a margin for notes typed beside them.
WIDTH = 12
MAX_COLUMNS = WIDTH + 20
#: Column numbers (1-based) in the export.
TITLE, STATUS, START, DUE, ASSIGNEE, TASK_ID, VERSION = 1, 4, 6, 7, 9, 11, 12
#: The fields read, in the order of the columns.
FIELDS = {
    TITLE: "title",
    STATUS: "status",
    START: "start_on",
    DUE: "due_on",
    ASSIGNEE: "assignee_id",
}
KIND = "tasks"


@dataclass
class CellChange:
    cell: str
    label: str
    old: str
    new: str


@dataclass
class RowChange:
    """One task the file changes: its new values (JSON-ready), as exported."""

    task_id: int
    version: int
    row: int
    title: str
    values: dict[str, Any]
    cells: list[CellChange] = field(default_factory=list)


@dataclass
class TaskImportCheck:
    filename: str = ""
    changes: list[RowChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Changed tasks that someone else changed since the export.
    conflicts: list[str] = field(default_factory=list)
    unchanged: int = 0
    #: Remarks that are no errors (a formula's computed value used).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts


def _cell(column: int, row: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _whole(value: Any) -> int | None:
    """A whole number as a cell holds it (an int, a float like 12.0, or text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdigit() else None


def _date(value: Any) -> date | None:
    """A date cell, or text like 28/11/2026 or 2026-11-28; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _in_each_language(make) -> list:
    """`make()` in every language of the app (the file may come from either)."""
    from flask import current_app

    results = []
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            results.append(make())
    return results


def _headers() -> list[tuple[str, ...]]:
    return _in_each_language(
        lambda: tuple(c.header.strip().lower() for c in task_columns())
    )


def _statuses() -> dict[str, str]:
    """Status by its label in either language, or by its code."""
    known = {code: code for code in LABELS["task_status"]}
    for labels in _in_each_language(
        lambda: {label("task_status", c).lower(): c for c in LABELS["task_status"]}
    ):
        known |= labels
    return known


def _people(names: set[str]) -> dict[str, list[int]]:
    """The people a task may be given to (active, not viewers) by lower-case full
    name and e-mail address, for the names typed (one query)."""
    if not names:
        return {}
    found: dict[str, list[int]] = {}
    rows = db.session.execute(
        select(User.id, User.full_name, User.email).where(
            User.active.is_(True),
            User.role != Role.VIEWER,
            or_(
                func.lower(User.full_name).in_(names),
                func.lower(User.email).in_(names),
            ),
        )
    )
    for user_id, full_name, email in rows:
        for key in {full_name.strip().lower(), (email or "").lower()} & names:
            found.setdefault(key, []).append(user_id)
    return found


def _header_ok(rows: list[tuple]) -> bool:
    header = tuple(_text(v).lower() for v in (tuple(rows[0]) + (None,) * WIDTH)[:WIDTH])
    return header in _headers()


def _ids(rows: list[tuple], check: TaskImportCheck) -> dict[int, tuple[int, int]]:
    """Row number → (task id, version exported); errors for the rows without."""
    found: dict[int, tuple[int, int]] = {}
    first_row: dict[int, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if all(_text(v) == "" for v in row):
            continue
        raw_id, raw_version = row[TASK_ID - 1], row[VERSION - 1]
        task_id, version = _whole(raw_id), _whole(raw_version)
        where = _cell(TASK_ID, number)
        if _text(raw_id) == "":
            check.errors.append(
                _(
                    "%(cell)s: the task id is missing; new tasks cannot be added"
                    " by import.",
                    cell=where,
                )
            )
        elif task_id is None:
            check.errors.append(
                _(
                    "%(cell)s: '%(value)s' is not a task id.",
                    cell=where,
                    value=_text(raw_id)[:20],
                )
            )
        elif task_id in first_row:
            check.errors.append(
                _(
                    "%(cell)s: task %(id)s appears twice (also row %(row)s).",
                    cell=where,
                    id=task_id,
                    row=first_row[task_id],
                )
            )
        elif version is None:
            check.errors.append(
                _(
                    "%(cell)s: the version is missing; leave the last two columns"
                    " as exported.",
                    cell=_cell(VERSION, number),
                )
            )
        else:
            first_row[task_id] = number
            found[number] = (task_id, version)
    return found


def _new_values(
    task: Task,
    row: tuple,
    number: int,
    statuses: dict[str, str],
    people: dict[str, list[int]],
    errors: list[str],
) -> dict[str, Any]:
    """The fields of `task` the row changes ({field: new}); errors by cell."""
    values: dict[str, Any] = {}
    title = _text(row[TITLE - 1])
    if not title:
        errors.append(_("%(cell)s: the title is empty.", cell=_cell(TITLE, number)))
    elif len(title) > SHORT:
        errors.append(
            _(
                "%(cell)s: the title is longer than %(max)s characters.",
                cell=_cell(TITLE, number),
                max=SHORT,
            )
        )
    elif title != task.title:
        values["title"] = title
    typed = _text(row[STATUS - 1])
    status = statuses.get(typed.lower())
    if status is None:
        errors.append(
            _(
                "%(cell)s: unknown status '%(value)s' (one of: %(known)s).",
                cell=_cell(STATUS, number),
                value=typed[:30],
                known=", ".join(label("task_status", c) for c in LABELS["task_status"]),
            )
        )
    elif status != task.status:
        values["status"] = status
        if status == "done":  # as the bulk action and the task's own form
            values["progress"] = 100
    dates = {}
    for column in (START, DUE):
        try:
            dates[column] = _date(row[column - 1])
        except ValueError:
            errors.append(
                _(
                    "%(cell)s: '%(value)s' is not a date (like 28/11/2026).",
                    cell=_cell(column, number),
                    value=_text(row[column - 1])[:30],
                )
            )
    if len(dates) == 2:
        start, due = dates[START], dates[DUE]
        if start is not None and due is not None and start > due:
            errors.append(
                _(
                    "%(cell)s: the start date cannot be after the due date.",
                    cell=_cell(START, number),
                )
            )
        else:
            values |= {
                name: new
                for name, new in (("start_on", start), ("due_on", due))
                if getattr(task, name) != new
            }
    name = _text(row[ASSIGNEE - 1])
    current = task.assignee.full_name if task.assignee else ""
    if name.lower() != current.strip().lower():
        matches = people.get(name.lower(), []) if name else [None]
        if len(matches) == 1:
            if matches[0] != task.assignee_id:
                values["assignee_id"] = matches[0]
        elif not matches:
            errors.append(
                _(
                    "%(cell)s: unknown assignee '%(value)s': type the name of a"
                    " person who may be given tasks, as shown here, or their"
                    " e-mail address.",
                    cell=_cell(ASSIGNEE, number),
                    value=name[:60],
                )
            )
        else:
            errors.append(
                _(
                    "%(cell)s: several people are called '%(value)s'; type the"
                    " e-mail address of the one you mean.",
                    cell=_cell(ASSIGNEE, number),
                    value=name[:60],
                )
            )
    return values


def check_rows(rows: list[tuple], user: Any, filename: str = "") -> TaskImportCheck:
    """Every change the rows would make to the tasks, and every error."""
    check = TaskImportCheck(filename=filename)
    if not rows or all(all(_text(v) == "" for v in row) for row in rows):
        check.errors.append(_("The first sheet is empty."))
        return check
    rows = [tuple(row) + (None,) * (WIDTH - len(row)) for row in rows]
    if not _header_ok(rows):
        check.errors.append(
            _(
                "A1: the first sheet must be the tasks export as downloaded from"
                " the task list, with its first row unchanged: %(columns)s.",
                columns=", ".join(c.header for c in task_columns()),
            )
        )
        return check
    ids = _ids(rows, check)
    tasks = {t.id: t for t in load_tasks({i for i, _v in ids.values()}, user)}
    statuses = _statuses()
    names = {_text(rows[n - 1][ASSIGNEE - 1]).lower() for n in ids} - {""}
    people = _people(names)
    values: dict[int, dict] = {}
    found: dict[int, tuple[int, int]] = {}
    for number, (task_id, version) in ids.items():
        task = tasks.get(task_id)
        if task is None:
            check.errors.append(
                _(
                    "%(cell)s: unknown task %(id)s.",
                    cell=_cell(TASK_ID, number),
                    id=task_id,
                )
            )
            continue
        errors: list[str] = []
        new = _new_values(task, rows[number - 1], number, statuses, people, errors)
        if not new and not errors:
            check.unchanged += 1
            continue
        if not permissions.can_edit_task(user, task):
            check.errors.append(
                _(
                    "Row %(row)s: you may not change task '%(title)s'; the row is"
                    " refused.",
                    row=number,
                    title=task.title,
                )
            )
            continue
        if errors:
            check.errors += errors
            continue
        values[task_id] = new
        found[task_id] = (number, version)
    _refuse_early_starts(values, found, check)
    if len(values) > MAX_CHANGED:
        check.errors.append(
            _("The file changes more than %(max)s tasks at once.", max=MAX_CHANGED)
        )
        return check
    changed = [t for t in tasks.values() if t.id in values]
    for planned in plan_task_values(changed, values):
        task = planned.obj
        number, version = found[task.id]
        if version != task.version:
            check.conflicts.append(_conflict_text(task, number))
        columns = {name: column for column, name in FIELDS.items()}
        check.changes.append(
            RowChange(
                task.id,
                version,
                number,
                task.title,
                {name: _json(new) for name, new in values[task.id].items()},
                [
                    CellChange(
                        _cell(columns[shown.field], number)
                        if shown.field in columns
                        else "",
                        str(shown.label),
                        shown.old,
                        shown.new,
                    )
                    for shown in planned.shown
                ],
            )
        )
    check.changes.sort(key=lambda change: change.row)
    if not ids and not check.errors:
        check.errors.append(_("A2: the sheet has no task rows."))
    return check


def _refuse_early_starts(
    values: dict[int, dict], found: dict[int, tuple[int, int]], check
) -> None:
    """A task that starts after another may not start before that one is done
    (the rule of the task's form and of the bulk actions,
    app.work.recurrence.early_starts), unless the same file marks the
    predecessor done. Refused rows leave `values`."""
    for task_id, refusal in early_starts(values, clock.today()).items():
        number = found[task_id][0]
        column = STATUS if "status" in values[task_id] else START
        check.errors.append(f"{_cell(column, number)}: {refusal}")
        del values[task_id]


def _conflict_text(task: Task, number: int) -> str:
    if task.updated_by is not None:
        return _(
            "Row %(row)s: task '%(title)s' was changed by %(name)s since the export.",
            row=number,
            title=task.title,
            name=task.updated_by.full_name,
        )
    return _(
        "Row %(row)s: task '%(title)s' was changed since the export.",
        row=number,
        title=task.title,
    )


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def check_file(data: bytes, user: Any, filename: str = "") -> TaskImportCheck:
    """Open an uploaded workbook safely and check it against the tasks."""
    try:
        with open_xlsx(data, MAX_ROWS, MAX_COLUMNS) as (workbook, scans):
            rows, scan = read_sheet(workbook, scans, MAX_ROWS, MAX_COLUMNS)
    except UploadError as error:
        return TaskImportCheck(filename=filename, errors=[str(error)])
    check = check_rows(rows, user, filename)
    # A formula counts with its stored value; one without is an error, never an
    # empty cell (that would clear a date or an assignee).
    check_formulas(check, rows, scan.formulas)
    return check


# --- apply ---------------------------------------------------------------------------


@dataclass
class Pending:
    """A checked file as the apply takes it back."""

    filename: str
    values: dict[int, dict[str, Any]]
    versions: dict[int, int]


def pending_payload(check: TaskImportCheck) -> dict:
    return {
        "filename": check.filename,
        "changes": [
            {"task_id": c.task_id, "version": c.version, "values": c.values}
            for c in check.changes
        ],
    }


def from_payload(data: dict) -> Pending:
    dates = ("start_on", "due_on")
    values = {
        c["task_id"]: {
            name: date.fromisoformat(v) if name in dates and v else v
            for name, v in c["values"].items()
        }
        for c in data["changes"]
    }
    versions = {c["task_id"]: c["version"] for c in data["changes"]}
    return Pending(data["filename"], values, versions)
