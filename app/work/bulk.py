"""Bulk work: change several tasks (or rollout rows) in one go.

A batch is planned (what changes per object, old → new: the confirmation page)
and applied in ONE transaction: every object must still have the version the
confirmation page showed, else the whole batch is refused with the list of
conflicts (app.concurrency's rule, for many objects at once). Loading, checking
and writing take a fixed number of statements whatever the size of the batch:
one UPDATE executed with many parameter sets, the activity entries inserted
together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import clock
from app.activity.log import _plain as plain
from app.activity.log import record_many
from app.activity.render import ChangeView, field_label, resolve_names, value_text
from app.archive import task_in_use
from app.auth import permissions
from app.concurrency import parse_version
from app.extensions import db
from app.municipalities.models import Municipality
from app.signals import tasks_changed, tasks_reassigned
from app.subsidies.models import Application
from app.web.params import parse_int
from app.work.models import Rollout, Task, Theme
from app.work.recurrence import create_next_occurrences, early_starts
from app.work.tasks import row_options
from app.workdays import shift_working_days

#: The most tasks (or rows) one batch takes: a few pages of a list.
BATCH_MAX = 200


class BatchTooLarge(ValueError):
    """More objects selected than one batch takes."""


@dataclass
class Planned:
    """One object of a batch: what changes ({field: [old, new]}, raw values) and
    the same as the reader sees it."""

    obj: Any
    changes: dict[str, list]
    shown: list[ChangeView] = field(default_factory=list)


@dataclass
class BatchConflict(Exception):
    """Objects changed since the confirmation page: the batch is refused."""

    objects: list[Any]


def selected_ids(values: Mapping[str, Any], name: str = "task") -> list[int]:
    """The ids ticked in a list (`task`), or every row of the page when "select
    all on this page" is ticked (`all_on_page` with the page's `page_<name>`)."""
    raw = list(values.getlist(name))
    if values.get("all_on_page"):
        raw += values.getlist(f"page_{name}")
    ids = list(dict.fromkeys(i for i in map(parse_int, raw) if i is not None))
    if len(ids) > BATCH_MAX:
        raise BatchTooLarge(len(ids))
    return ids


def seen_versions(values: Mapping[str, Any], prefix: str) -> dict[int, int | None]:
    """The version of each object the confirmation page was based on."""
    seen = {}
    for key in values:
        if key.startswith(prefix) and (ident := parse_int(key[len(prefix) :])):
            seen[ident] = parse_version(values.get(key))
    return seen


def _present(entity_type: str, planned: list[Planned]) -> list[Planned]:
    """Fill `shown`: labels and values as the activity log shows them (names of
    people looked up once for the whole batch)."""
    names = resolve_names(p.changes for p in planned)
    for p in planned:
        p.shown = [
            ChangeView(
                name,
                field_label(name),
                value_text(entity_type, name, old, names),
                value_text(entity_type, name, new, names),
            )
            for name, (old, new) in p.changes.items()
        ]
    return planned


# --- tasks ----------------------------------------------------------------------


def load_tasks(ids: Iterable[int], user: Any, lock: bool = False) -> list[Task]:
    """The tasks of a batch that `user` may see, in one query (and the few of
    row_options); `lock`: held until the batch is written (PostgreSQL)."""
    query = (
        select(Task)
        .where(Task.id.in_(list(ids)), permissions.visible_tasks(user), task_in_use())
        .options(
            *row_options(),
            # Who may see a dossier's task (its events): the dossier's people.
            selectinload(Task.application).selectinload(Application.partners),
        )
        .order_by(Task.due_on, Task.id)
    )
    if lock:
        query = query.with_for_update(of=Task)
    return list(db.session.scalars(query))


def may_edit_all(user: Any, tasks: Iterable[Task]) -> bool:
    return all(permissions.can_edit_task(user, task) for task in tasks)


def _new_values(task: Task, change: dict) -> dict[str, Any]:
    action = change["action"]
    if action == "shift":
        days = change["days"]
        return {
            name: shift_working_days(getattr(task, name), days)
            for name in ("start_on", "due_on")
            if getattr(task, name) is not None
        }
    if action == "assign":
        return {"assignee_id": change["assignee_id"]}
    values = {"status": change["status"]}
    if change["status"] == "done":
        values["progress"] = 100
    return values


def task_values(tasks: list[Task], change: dict) -> dict[int, dict]:
    """The new values `change` gives each task ({task id: {field: new}})."""
    return {task.id: _new_values(task, change) for task in tasks}


def refused_starts(tasks: list[Task], change: dict) -> list[tuple[Task, str]]:
    """The tasks `change` would start before their predecessor is done, with
    the reason the task's form gives (the Excel import's rule: a predecessor
    the same batch marks done does not hold its follower back)."""
    refused = early_starts(task_values(tasks, change), clock.today())
    return [(task, refused[task.id]) for task in tasks if task.id in refused]


def plan_tasks(tasks: list[Task], change: dict) -> list[Planned]:
    """What `change` does to each task ({field: [old, new]}; empty: nothing)."""
    return plan_task_values(tasks, task_values(tasks, change))


def _write_versioned(model: Any, columns: tuple[str, ...], rows: list[dict]) -> None:
    """One UPDATE with a parameter set per row, each only where the row still has
    the version that was checked (`b_seen`); when the driver counts rows of such
    an UPDATE, a row changed in between refuses the batch too."""
    table = model.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_seen"))
        .values(
            version=table.c.version + 1,
            updated_by_id=bindparam("b_user"),
            **{name: bindparam(f"b_{name}") for name in columns},
        )
    )
    result = db.session.execute(statement, rows)
    dialect = db.session.get_bind().dialect
    if dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
        raise BatchConflict([])


def apply_tasks(
    tasks: list[Task], change: dict, seen: Mapping[int, int | None], user: Any
) -> list[Planned]:
    """Apply `change` to `tasks` in one transaction, one activity entry per
    changed task; raises BatchConflict (nothing written) when any task is not at
    the version in `seen`."""
    return apply_task_values(tasks, task_values(tasks, change), seen, user)


def plan_task_values(tasks: list[Task], values: Mapping[int, dict]) -> list[Planned]:
    """What writing `values` ({task id: {field: new}}) does to each task."""
    planned = []
    for task in tasks:
        changes = {
            name: [plain(getattr(task, name)), plain(new)]
            for name, new in values.get(task.id, {}).items()
            if getattr(task, name) != new
        }
        planned.append(Planned(task, changes))
    return _present("task", planned)


def apply_task_values(
    tasks: list[Task],
    values: Mapping[int, dict],
    seen: Mapping[int, int | None],
    user: Any,
) -> list[Planned]:
    """Write each task's own new values ({task id: {field: new}}) in one
    transaction (one UPDATE), one activity entry per changed task and the events
    of the batch; raises BatchConflict (nothing written) when any task is not at
    the version in `seen`. A recurring task set to done gets its next occurrence
    in the same transaction, as saving it on its own does. The bulk actions and
    the Excel import both go here."""
    conflicts = [task for task in tasks if seen.get(task.id) != task.version]
    if conflicts:
        db.session.rollback()
        raise BatchConflict(conflicts)
    planned = [p for p in plan_task_values(tasks, values) if p.changes]
    if planned:
        # Every row of one UPDATE sets the same columns: the union of the fields
        # written, a task's own value where it does not change.
        columns = tuple(sorted({name for p in planned for name in p.changes}))
        new = {p.obj.id: values[p.obj.id] for p in planned}
        rows = [
            {
                f"b_{name}": new[p.obj.id].get(name, getattr(p.obj, name))
                for name in columns
            }
            | {"b_id": p.obj.id, "b_seen": p.obj.version, "b_user": user.id}
            for p in planned
        ]
        try:
            _write_versioned(Task, columns, rows)
        except BatchConflict:
            db.session.rollback()
            raise
        record_many(
            ("update", p.obj, p.changes, {"municipality_id": p.obj.municipality_id})
            for p in planned
        )
        for p in planned:  # the rows were written by SQL: say so to readers
            for name in p.changes:
                set_committed_value(p.obj, name, new[p.obj.id][name])
        _send_task_events(user, planned)
        create_next_occurrences(
            (
                p.obj
                for p in planned
                if p.changes.get("status", [None, None])[1] == "done"
            ),
            clock.today(),
            user,
        )
    db.session.commit()
    return planned


def _send_task_events(user: Any, planned: list[Planned]) -> None:
    """The events of a batch, as saving each task on its own gives them: a
    reassigned task tells its new assignee (tasks_reassigned, per assignee; as
    for one task, a moved due date is then no second event), every other change
    goes out as tasks_changed."""
    reassigned: dict[int | None, list[Task]] = {}
    changed = []
    for p in planned:
        rest = dict(p.changes)
        if "assignee_id" in rest:
            reassigned.setdefault(p.obj.assignee_id, []).append(p.obj)
            rest = {k: v for k, v in rest.items() if k not in ("assignee_id", "due_on")}
        if rest:
            changed.append((p.obj, rest))
    for assignee, tasks in reassigned.items():
        tasks_reassigned.send(user, tasks=tasks, assignee=assignee)
    if changed:  # the same events as saving each task on its own
        tasks_changed.send(user, changes=changed)


# --- rollout rows -----------------------------------------------------------------


def load_rollouts(theme: Theme, ids: Iterable[int], lock: bool = False) -> list[Any]:
    """The rollout rows of `theme` in the municipalities `ids` (one query, and
    one for the municipalities without a row yet: those get an unsaved one)."""
    from app.work.themes import new_rollout

    ids = list(ids)
    query = (
        select(Rollout)
        .where(Rollout.theme_id == theme.id, Rollout.municipality_id.in_(ids))
        .options(*rollout_options())
    )
    if lock:
        query = query.with_for_update(of=Rollout)
    rows = {r.municipality_id: r for r in db.session.scalars(query)}
    missing = [i for i in ids if i not in rows]
    if missing:
        for municipality in db.session.scalars(
            select(Municipality).where(Municipality.id.in_(missing))
        ):
            rows[municipality.id] = new_rollout(theme, municipality)
    return sorted(rows.values(), key=lambda r: r.municipality.name.lower())


def rollout_options() -> tuple:
    from sqlalchemy.orm import selectinload

    return (
        selectinload(Rollout.municipality).selectinload(Municipality.merged_into),
        selectinload(Rollout.updated_by),
    )


def rollout_version_of(row: Rollout) -> int:
    return row.version if row.id is not None else 0


def plan_rollouts(rows: list[Rollout], stage: str) -> list[Planned]:
    return _present(
        "rollout",
        [
            Planned(row, {"stage": [row.stage, stage]} if row.stage != stage else {})
            for row in rows
        ],
    )


def apply_rollouts(
    theme: Theme,
    rows: list[Rollout],
    stage: str,
    seen: Mapping[int, int | None],
    user: Any,
) -> list[Planned]:
    """Set `stage` on every row in one transaction (rows that did not exist are
    created), one activity entry per row; BatchConflict when any row is not at
    the version the confirmation showed (0: it did not exist)."""
    conflicts = [
        r for r in rows if seen.get(r.municipality_id) != rollout_version_of(r)
    ]
    if conflicts:
        db.session.rollback()
        raise BatchConflict(conflicts)
    planned = [p for p in plan_rollouts(rows, stage) if p.changes]
    existing = [p for p in planned if p.obj.id is not None]
    created = [p for p in planned if p.obj.id is None]
    if existing:
        rows_ = [
            {"b_id": p.obj.id, "b_seen": p.obj.version, "b_user": user.id}
            | {"b_stage": stage}
            for p in existing
        ]
        try:
            _write_versioned(Rollout, ("stage",), rows_)
        except BatchConflict:
            db.session.rollback()
            raise
    for p in created:  # inserted together when the first entry is recorded
        p.obj.stage = stage
        p.obj.updated_by_id = user.id
        db.session.add(p.obj)
    if created:
        db.session.flush()  # their ids, for the entries
    record_many(
        (
            "create" if p in created else "update",
            p.obj,
            p.changes,
            {
                "label": f"{theme.title} – {p.obj.municipality.name}",
                "municipality_id": p.obj.municipality_id,
            },
        )
        for p in planned
    )
    db.session.commit()
    return planned
