"""Progress figures of delivery: one function per figure, used by every page.

They are shared by every reader, so they count no task that prepares a dossier
(`permissions.in_shared_task_figures`): those are private to the dossier's readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

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


def _pick(figures: dict, ids: list[int], empty):
    return {key: figures.get(key, empty) for key in ids}


def group_progress(group_ids: list[int]) -> dict[int, Progress]:
    """Per working group: tasks done / total and mean progress (read model)."""
    if not group_ids:
        return {}
    every_group = readmodel.cached(
        "group_progress",
        "region",
        lambda: _progress_by(
            select(Task.group_id, *_progress_columns())
            .where(in_shared_task_figures())
            .group_by(Task.group_id)
        ),
        reads=("task",),
    )
    return _pick(every_group, group_ids, Progress())


def theme_progress(theme_ids: list[int]) -> dict[int, Progress]:
    """Per theme, over the tasks of all its groups (read model)."""
    if not theme_ids:
        return {}
    every_theme = readmodel.cached(
        "theme_progress",
        "region",
        lambda: _progress_by(
            select(WorkingGroup.theme_id, *_progress_columns())
            .join(Task, Task.group_id == WorkingGroup.id)
            .where(in_shared_task_figures(), not_archived(WorkingGroup))
            .group_by(WorkingGroup.theme_id)
        ),
        reads=("task", "working_group"),
    )
    return _pick(every_theme, theme_ids, Progress())


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
    """Per municipality: rollout stage counts and task progress (read model)."""
    if not municipality_ids:
        return {}
    every = readmodel.cached(
        "municipality_progress",
        "region",
        _every_municipality,
        reads=("municipality", "rollout", "task"),
    )
    empty = MunicipalityProgress(stages={}, tasks=Progress())
    return _pick(every, municipality_ids, empty)


def _every_municipality() -> dict[int, MunicipalityProgress]:
    stages: dict[int, dict[str, int]] = {}
    for mid, stage, n in db.session.execute(
        select(Rollout.municipality_id, Rollout.stage, func.count()).group_by(
            Rollout.municipality_id, Rollout.stage
        )
    ):
        stages.setdefault(mid, {})[stage] = n
    tasks = _progress_by(
        select(Task.municipality_id, *_progress_columns())
        .where(Task.municipality_id.is_not(None), in_shared_task_figures())
        .group_by(Task.municipality_id)
    )
    return {
        mid: MunicipalityProgress(
            stages=stages.get(mid, {}), tasks=tasks.get(mid, Progress())
        )
        for mid in stages.keys() | tasks.keys()
    }
