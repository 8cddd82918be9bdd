"""Progress figures of delivery: one function per figure, used by every page.

They are shared by every reader, so they count no task that prepares a dossier
(`permissions.in_shared_task_figures`): those are private to the dossier's readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Float, Integer, case, cast, func, select

from app import readmodel
from app.archive import not_archived
from app.auth.permissions import in_shared_task_figures
from app.extensions import db
from app.work.models import Rollout, Task, WorkingGroup


@dataclass(frozen=True)
class Progress:
    done: int = 0
    total: int = 0
    mean_progress: float | None = None

    @property
    def share_done(self) -> float | None:
        return self.done / self.total if self.total else None


def _progress_columns():
    return (
        func.count(Task.id),
        func.coalesce(func.sum(case((Task.status == "done", 1), else_=0)), 0),
        func.avg(Task.progress),
    )


def _progress_by(query) -> dict[int, Progress]:
    return {
        key: Progress(done=int(done), total=total, mean_progress=float(mean))
        for key, total, done, mean in db.session.execute(query)
    }


def _per_id(name: str, ids: list[int], compute, empty, *, reads) -> dict:
    """The figures of these ids only (read model, one entry per id): the missing
    ones in one query on an index (`compute(missing)`), never the whole region."""
    if not ids:
        return {}
    found = readmodel.cached_many(
        name,
        ids,
        lambda missing: _pick(compute(missing), missing, empty),
        reads=reads,
    )
    return {key: found[key] for key in ids}


def _pick(figures: dict, ids: list, empty):
    return {key: figures.get(key, empty) for key in ids}


def group_progress(group_ids: list[int]) -> dict[int, Progress]:
    """Per working group: tasks done / total and mean progress."""
    return _per_id(
        "group_progress",
        group_ids,
        lambda ids: _progress_by(
            select(Task.group_id, *_progress_columns())
            .where(Task.group_id.in_(ids), in_shared_task_figures())
            .group_by(Task.group_id)
        ),
        Progress(),
        reads=("task",),
    )


def theme_progress(theme_ids: list[int]) -> dict[int, Progress]:
    """Per theme, over the tasks of all its groups."""
    return _per_id(
        "theme_progress",
        theme_ids,
        _theme_progress,
        Progress(),
        reads=("task", "working_group"),
    )


def _theme_progress(theme_ids: list[int]) -> dict[int, Progress]:
    # Per group of these themes first (the covering index, in its order), then
    # per theme: no lookup of its group for each task of the region. A task's
    # progress is never NULL: the mean is the summed progress over the count.
    groups = select(WorkingGroup.id).where(
        WorkingGroup.theme_id.in_(theme_ids), not_archived(WorkingGroup)
    )
    per_group = (
        select(
            Task.group_id.label("group_id"),
            func.count(Task.id).label("total"),
            func.sum(case((Task.status == "done", 1), else_=0)).label("done"),
            func.sum(Task.progress).label("progress"),
        )
        .where(Task.group_id.in_(groups), in_shared_task_figures())
        .group_by(Task.group_id)
        .subquery()
    )
    total = func.sum(per_group.c.total)
    return _progress_by(
        select(
            WorkingGroup.theme_id,
            cast(total, Integer),
            func.coalesce(cast(func.sum(per_group.c.done), Integer), 0),
            cast(func.sum(per_group.c.progress), Float) / cast(total, Float),
        )
        .join(per_group, per_group.c.group_id == WorkingGroup.id)
        .group_by(WorkingGroup.theme_id)
    )


def overdue_clause(today: date):
    """SQL condition: a task whose due date passed and that is not done."""
    return (Task.due_on < today) & (Task.status != "done")


@dataclass(frozen=True)
class MunicipalityProgress:
    """One municipality: its rollout rows per stage and the tasks concerning it."""

    stages: dict[str, int]
    tasks: Progress

    @property
    def live(self) -> int:
        return self.stages.get("live", 0)

    @property
    def under_way(self) -> int:
        """Rollout rows started but not live yet."""
        started = ("exploring", "preparing", "implementing")
        return sum(self.stages.get(stage, 0) for stage in started)


def municipality_progress(
    municipality_ids: list[int],
) -> dict[int, MunicipalityProgress]:
    """Per municipality: rollout stage counts and task progress."""
    return _per_id(
        "municipality_progress",
        municipality_ids,
        _of_municipalities,
        MunicipalityProgress(stages={}, tasks=Progress()),
        reads=("municipality", "rollout", "task"),
    )


def _of_municipalities(ids: list[int]) -> dict[int, MunicipalityProgress]:
    stages: dict[int, dict[str, int]] = {}
    for mid, stage, n in db.session.execute(
        select(Rollout.municipality_id, Rollout.stage, func.count())
        .where(Rollout.municipality_id.in_(ids))
        .group_by(Rollout.municipality_id, Rollout.stage)
    ):
        stages.setdefault(mid, {})[stage] = n
    tasks = _progress_by(
        select(Task.municipality_id, *_progress_columns())
        .where(Task.municipality_id.in_(ids), in_shared_task_figures())
        .group_by(Task.municipality_id)
    )
    return {
        mid: MunicipalityProgress(
            stages=stages.get(mid, {}), tasks=tasks.get(mid, Progress())
        )
        for mid in stages.keys() | tasks.keys()
    }
