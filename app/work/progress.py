"""Progress figures of delivery: one function per figure, used by every page.

They are shared by every reader, so they count no task that prepares a dossier
(`permissions.in_shared_task_figures`): those are private to the dossier's readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

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


def group_progress(group_ids: list[int]) -> dict[int, Progress]:
    """Per working group: tasks done / total and mean progress (one query)."""
    if not group_ids:
        return {}
    rows = db.session.execute(
        select(Task.group_id, *_progress_columns())
        .where(Task.group_id.in_(group_ids), in_shared_task_figures())
        .group_by(Task.group_id)
    )
    result = {gid: Progress() for gid in group_ids}
    for gid, total, done, mean in rows:
        result[gid] = Progress(done=int(done), total=total, mean_progress=float(mean))
    return result


def theme_progress(theme_ids: list[int]) -> dict[int, Progress]:
    """Per theme, over the tasks of all its groups (one query)."""
    if not theme_ids:
        return {}
    rows = db.session.execute(
        select(WorkingGroup.theme_id, *_progress_columns())
        .join(Task, Task.group_id == WorkingGroup.id)
        .where(WorkingGroup.theme_id.in_(theme_ids), in_shared_task_figures())
        .group_by(WorkingGroup.theme_id)
    )
    result = {tid: Progress() for tid in theme_ids}
    for tid, total, done, mean in rows:
        result[tid] = Progress(done=int(done), total=total, mean_progress=float(mean))
    return result


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


def municipality_progress(
    municipality_ids: list[int],
) -> dict[int, MunicipalityProgress]:
    """Per municipality: rollout stage counts and task progress (two queries)."""
    if not municipality_ids:
        return {}
    stages: dict[int, dict[str, int]] = {mid: {} for mid in municipality_ids}
    for mid, stage, n in db.session.execute(
        select(Rollout.municipality_id, Rollout.stage, func.count())
        .where(Rollout.municipality_id.in_(municipality_ids))
        .group_by(Rollout.municipality_id, Rollout.stage)
    ):
        stages[mid][stage] = n
    tasks = {mid: Progress() for mid in municipality_ids}
    for mid, total, done, mean in db.session.execute(
        select(Task.municipality_id, *_progress_columns())
        .where(Task.municipality_id.in_(municipality_ids), in_shared_task_figures())
        .group_by(Task.municipality_id)
    ):
        tasks[mid] = Progress(done=int(done), total=total, mean_progress=float(mean))
    return {
        mid: MunicipalityProgress(stages=stages[mid], tasks=tasks[mid])
        for mid in municipality_ids
    }
