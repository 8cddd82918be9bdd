"""Themes: the overview with its rollout matrix, one theme's page, rollout rows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import case, func, select, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import readmodel
from app.activity.log import diff, record
from app.archive import not_archived, task_in_use
from app.auth import permissions
from app.auth.models import User
from app.concurrency import ensure_current, parse_version
from app.extensions import db
from app.municipalities.models import Municipality
from app.paging import ListPage, paginate
from app.strategy.models import Score, ScoringRound
from app.subsidies.models import Application, SubsidyCall
from app.work.models import Rollout, Task, TaskDependency, Theme, WorkingGroup
from app.work.progress import group_progress, municipality_progress, theme_progress
from app.work.tasks import is_overdue
from app.work.timeline import TimelineItem, build_timeline

#: Bounds of the lists on a theme's page (every list is bounded).
TIMELINE_OPEN = 30
TIMELINE_DONE = 10
TIMELINE_DONE_DAYS = 90
LIST_LIMIT = 50


def all_municipalities() -> list[Municipality]:
    """Every municipality, merged ones included (they keep their history)."""
    return list(
        db.session.scalars(
            select(Municipality)
            .options(selectinload(Municipality.merged_into))
            .order_by(Municipality.name)
        )
    )


def rollout_matrix(
    theme_ids: list[int] | None = None,
) -> dict[tuple[int, int], Rollout]:
    """Rollout rows by (theme id, municipality id), in one query."""
    query = select(Rollout).options(selectinload(Rollout.updated_by))
    if theme_ids is not None:
        query = query.where(Rollout.theme_id.in_(theme_ids))
    return {(r.theme_id, r.municipality_id): r for r in db.session.scalars(query)}


def stage_matrix(municipality_ids: list[int]) -> dict[tuple[int, int], str]:
    """The stage of every (theme id, municipality id) pair of these
    municipalities, as plain values: the overview matrix needs nothing else, and
    ORM rows would cost far more."""
    rows = db.session.execute(
        select(Rollout.theme_id, Rollout.municipality_id, Rollout.stage).where(
            Rollout.municipality_id.in_(municipality_ids)
        )
    )
    return {(theme_id, mid): stage for theme_id, mid, stage in rows}


#: Municipality rows per page of the overview's rollout matrix: every theme is a
#: column, so a whole region (300 × 40 cells) would be over a megabyte of HTML.
MATRIX_ROWS = 15


def themes_overview(page: int = 1) -> dict[str, Any]:
    """Every theme with its groups and progress, and one page of municipalities
    of the rollout matrix (merged ones included, by name)."""
    themes = list(
        db.session.scalars(
            select(Theme)
            .options(selectinload(Theme.groups).selectinload(WorkingGroup.leads))
            .order_by(Theme.title)
        )
    )
    municipalities = paginate(
        select(Municipality)
        .options(selectinload(Municipality.merged_into))
        .order_by(Municipality.name, Municipality.id),
        page=page,
        per_page=MATRIX_ROWS,
    )
    shown = [m.id for m in municipalities.items]
    return {
        "themes": themes,
        "progress": theme_progress([t.id for t in themes]),
        "group_progress": group_progress([g.id for t in themes for g in t.groups]),
        "municipalities": municipalities,
        "matrix": stage_matrix(shown),
        "municipality_progress": municipality_progress(shown),
    }


# --- one theme ------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadScore:
    """The aggregate of a thread in the latest closed round that scored it."""

    round_id: int
    round_name: str
    responses: int
    mean: float | None
    high_share: float | None
    #: The figures are withheld from this reader (fewer than 3 answers).
    withheld: bool = False


def latest_thread_score(thread_id: int | None, user: Any) -> ThreadScore | None:
    """Mean and share of high scores in the most recent closed round that scored
    the thread, as `user` may read them."""
    if thread_id is None:
        return None
    score = _latest_thread_score(thread_id)
    if score is not None and permissions.withholds_thread_result(user, score.responses):
        return replace(score, mean=None, high_share=None, withheld=True)
    return score


def _latest_thread_score(thread_id: int) -> ThreadScore | None:
    """The aggregate of the latest closed round that scored the thread (one query
    on the scores of this thread alone)."""
    high = current_app.config["SCORE_HIGH"]
    row = db.session.execute(
        select(
            ScoringRound.id,
            ScoringRound.name,
            func.count(Score.value),
            func.avg(Score.value),
            func.sum(case((Score.value >= high, 1), else_=0)),
        )
        .join(Score, Score.round_id == ScoringRound.id)
        .where(ScoringRound.status == "closed", Score.thread_id == thread_id)
        .group_by(ScoringRound.id, ScoringRound.name, ScoringRound.closes_on)
        .order_by(ScoringRound.closes_on.desc(), ScoringRound.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    round_id, name, responses, mean, high_count = row
    return ThreadScore(
        round_id=round_id,
        round_name=name,
        responses=responses,
        mean=float(mean) if mean is not None else None,
        high_share=(high_count or 0) / responses if responses else None,
    )


def _timeline_tasks(theme: Theme, user: Any, today: date) -> tuple[list[Task], dict]:
    """The first open tasks by due date, then the recently done ones (latest
    first): both bounded lists in one statement; with each task's predecessor
    ("starts after": its id and title) by task id."""
    in_theme = (
        Task.group_id.in_(
            select(WorkingGroup.id).where(WorkingGroup.theme_id == theme.id)
        )
        & permissions.visible_tasks(user)
        & task_in_use()
    )
    open_ids = (
        select(Task.id)
        .where(in_theme, Task.status != "done", Task.due_on.is_not(None))
        .order_by(Task.due_on, Task.id)
        .limit(TIMELINE_OPEN)
        .subquery()
    )
    done_ids = (
        select(Task.id)
        .where(
            in_theme,
            Task.status == "done",
            Task.due_on >= today - timedelta(days=TIMELINE_DONE_DAYS),
        )
        .order_by(Task.due_on.desc(), Task.id)
        .limit(TIMELINE_DONE)
        .subquery()
    )
    predecessor = aliased(Task)
    rows = db.session.execute(
        select(Task, predecessor.id, predecessor.title)
        .outerjoin(TaskDependency, TaskDependency.task_id == Task.id)
        .outerjoin(predecessor, predecessor.id == TaskDependency.after_id)
        .where(Task.id.in_(union_all(select(open_ids.c.id), select(done_ids.c.id))))
    ).all()
    after = {task.id: (after_id, title) for task, after_id, title in rows if after_id}
    tasks = [row[0] for row in rows]
    open_tasks = sorted(
        (t for t in tasks if t.status != "done"), key=lambda t: (t.due_on, t.id)
    )
    done_tasks = sorted(
        (t for t in tasks if t.status == "done"),
        key=lambda t: (-t.due_on.toordinal(), t.id),
    )
    return [*open_tasks, *done_tasks], after


def theme_timeline(theme: Theme, user: Any, calls: list[SubsidyCall], today: date):
    """Open tasks `user` may see (overdue first), recently done ones, recent and
    coming calls."""
    tasks, after = _timeline_tasks(theme, user, today)
    items = [
        TimelineItem(
            kind="task",
            key=task.id,
            after=after.get(task.id),
            title=task.title,
            day=task.due_on,
            start=task.start_on,
            status=task.status,
            overdue=is_overdue(task, today),
            progress=task.progress,
            url=url_for("work.task", task_id=task.id),
        )
        for task in tasks
    ]
    items += [
        TimelineItem(
            kind="call",
            title=call.title,
            day=call.deadline_at.date(),
            status="deadline",
        )
        for call in calls
        if call.deadline_at.date() >= today - timedelta(days=TIMELINE_DONE_DAYS)
    ]
    return build_timeline(items, today)


def municipality_count() -> int:
    """How many municipalities there are, merged ones included (read model)."""
    return readmodel.cached(
        "municipality_count",
        "region",
        lambda: db.session.scalar(select(func.count()).select_from(Municipality)),
        reads=("municipality",),
    )


def rollout_page(theme: Theme, page: int) -> tuple[ListPage, list[Rollout]]:
    """One page of municipalities (merged ones included, by name) with the
    theme's rollout row of each (unsaved default where none exists), in one
    query."""
    per_page = current_app.config["PAGE_SIZE"]
    rows = db.session.execute(
        select(Municipality, Rollout)
        .outerjoin(
            Rollout,
            (Rollout.municipality_id == Municipality.id)
            & (Rollout.theme_id == theme.id),
        )
        .options(joinedload(Municipality.merged_into), joinedload(Rollout.updated_by))
        .order_by(Municipality.name, Municipality.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    rollouts = []
    for municipality, row in rows:
        if row is None:
            row = new_rollout(theme, municipality)
        else:
            # Hand the loaded objects to the row: its lazy loads would otherwise
            # query once per municipality while the template renders.
            set_committed_value(row, "municipality", municipality)
            set_committed_value(row, "theme", theme)
        rollouts.append(row)
    municipalities = [municipality for municipality, _row in rows]
    listed = ListPage(municipalities, page, per_page, municipality_count())
    return listed, rollouts


def theme_detail(
    theme: Theme, user: User, today: date, page: int = 1
) -> dict[str, Any]:
    """Everything the page of one theme shows, in a fixed number of queries
    (whatever the data); the rollout one page of municipalities at a time."""
    municipalities, rollouts = rollout_page(theme, page)
    groups = theme.groups  # loaded with their leads by load_theme
    archived_groups = list(
        db.session.scalars(
            select(WorkingGroup)
            .where(
                WorkingGroup.theme_id == theme.id,
                WorkingGroup.archived_at.is_not(None),
            )
            .order_by(WorkingGroup.name)
            .limit(LIST_LIMIT)
        )
    )
    calls = list(
        db.session.scalars(
            select(SubsidyCall)
            .where(SubsidyCall.themes.any(Theme.id == theme.id))
            .order_by(SubsidyCall.deadline_at.desc())
            .limit(LIST_LIMIT)
        )
    )
    applications = list(
        db.session.scalars(
            permissions.visible_applications(
                user,
                select(Application)
                .where(Application.theme_id == theme.id, not_archived(Application))
                .options(
                    joinedload(Application.lead_municipality),
                    joinedload(Application.call),
                )
                .order_by(Application.title)
                .limit(LIST_LIMIT),
            )
        )
    )
    return {
        "theme": theme,
        "groups": groups,
        "archived_groups": archived_groups,
        "progress": theme_progress([theme.id])[theme.id],
        "group_progress": group_progress([g.id for g in groups]),
        "score": latest_thread_score(theme.origin_thread_id, user),
        "rollouts": rollouts,
        "rollout_page": municipalities,
        "calls": calls,
        "applications": applications,
        "timeline": theme_timeline(theme, user, calls, today),
    }


def load_theme(theme_id: int) -> Theme:
    """A theme with its groups and their leads (for the rollout permission)."""
    theme = (
        db.session.scalars(
            select(Theme)
            .where(Theme.id == theme_id)
            .options(
                joinedload(Theme.groups).joinedload(WorkingGroup.leads),
                joinedload(Theme.origin_thread),
            )
        )
        .unique()
        .first()
    )
    if theme is None:
        from flask import abort

        abort(404)
    return theme


# --- rollout rows -----------------------------------------------------------------


def new_rollout(theme: Theme, municipality: Municipality) -> Rollout:
    """An unsaved row: how a pair without a rollout row is shown and first saved."""
    # No backrefs: the unsaved row joins the session only when it is saved.
    return Rollout(
        theme=theme,
        municipality=municipality,
        theme_id=theme.id,
        municipality_id=municipality.id,
        stage="not_started",
        note="",
    )


def rollout_for(theme: Theme, municipality: Municipality) -> Rollout:
    """The rollout row of a theme in a municipality (unsaved if there is none)."""
    rollout = db.session.scalar(
        select(Rollout).where(
            Rollout.theme_id == theme.id, Rollout.municipality_id == municipality.id
        )
    )
    return rollout or new_rollout(theme, municipality)


def _is_saved(rollout: Rollout) -> bool:
    return rollout.id is not None


def rollout_version(rollout: Rollout) -> int:
    """The version a form carries: 0 for a row that does not exist yet."""
    return rollout.version if _is_saved(rollout) else 0


def save_rollout(rollout: Rollout, form, user: User) -> dict[str, list]:
    """Apply a validated rollout form and record it; 409 over a newer version."""
    submitted = {
        field.name: ", ".join(field.raw_data or [])
        for field in form
        if field.name not in ("csrf_token", "version")
    }
    if _is_saved(rollout):
        # A form for a row that did not exist yet carries 0: someone created it.
        ensure_current(rollout, parse_version(form.version.data) or 0, submitted)
    theme, municipality = rollout.theme, rollout.municipality
    changes = diff(rollout, form.values())
    if changes or not _is_saved(rollout):
        action = "update" if _is_saved(rollout) else "create"
        rollout.updated_by_id = user.id
        db.session.add(rollout)
        record(
            action,
            rollout,
            changes,
            label=f"{theme.title} – {municipality.name}",
            municipality_id=municipality.id,
        )
    db.session.commit()
    return changes


def set_theme_status(theme: Theme, status: str, actor: Any) -> None:
    """Change a theme's status and record it."""
    changes = diff(theme, {"status": status})
    if changes:
        record("status", theme, changes, actor=actor)
    db.session.commit()
