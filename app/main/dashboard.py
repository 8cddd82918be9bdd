"""What the dashboard shows each role, computed in a fixed number of queries."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import and_, func, not_, or_, select

from app import readmodel
from app.activity.queries import news_since
from app.activity.render import EntryView, sentence
from app.archive import not_archived, task_in_use, task_out_of_use
from app.auth import permissions
from app.auth.models import User
from app.clock import now_utc, today
from app.deadlines.deadlines import CATEGORIES, KINDS, Scope, deadline_lists
from app.extensions import db
from app.main.visits import change_mark
from app.municipalities.models import Municipality, active_municipalities_clause
from app.strategy.models import Score, ScoringRound, Thread, round_thread
from app.subsidies.calls import fitting_calls
from app.subsidies.models import SubsidyCall
from app.subsidies.rollups import pipeline_totals
from app.work.models import (
    TASK_STATUSES,
    Rollout,
    Task,
    Theme,
    WorkingGroup,
    group_lead,
)
from app.work.progress import group_progress, overdue_clause, theme_progress

LIST_LIMIT = 10
OPEN_TASK_STATUSES = tuple(s for s in TASK_STATUSES if s != "done")
SOON_DAYS = 14


def open_calls() -> list[SubsidyCall]:
    now = now_utc()
    return list(
        db.session.scalars(
            select(SubsidyCall)
            .where(
                SubsidyCall.opens_at <= now,
                SubsidyCall.deadline_at > now,
                not_archived(SubsidyCall),
            )
            .order_by(SubsidyCall.deadline_at)
            .limit(LIST_LIMIT)
        )
    )


def _deadline_lists(scope: Scope) -> dict[str, list]:
    """Overdue items and those due in the next two weeks, from the one function,
    in one statement: each list asked for itself, so that many overdue items
    never crowd out the ones due soon (and no more rows are read than the lists
    show). A call is never overdue (it leaves the deadlines when it closes)."""
    return deadline_lists(
        scope,
        overdue_items={
            "kinds": tuple(k for k in KINDS if k != "call"),
            "categories": ("overdue",),
            "limit": LIST_LIMIT,
        },
        soon_items={
            "within_days": SOON_DAYS,
            "categories": tuple(c for c in CATEGORIES if c != "overdue"),
            "limit": LIST_LIMIT,
        },
    )


def open_rounds_progress(municipality_id: int | None = None) -> list[dict[str, Any]]:
    """Open rounds with, per round, how many threads and answers it has.

    With a municipality: how many of the round's threads it scored; without: how
    many active municipalities have not answered every thread yet. A merged
    municipality is asked for no ballot: rounds opened since its merger are left
    out, and the older ones show what it scored without asking for more.
    One query: the figures are subqueries of each round's row.
    """
    threads = (
        select(func.count())
        .where(round_thread.c.round_id == ScoringRound.id)
        .correlate(ScoringRound)
        .scalar_subquery()
    )
    answered = (
        select(Score.municipality_id)
        .join(Municipality, Municipality.id == Score.municipality_id)
        .where(Score.round_id == ScoringRound.id, Score.value.is_not(None))
        .correlate(ScoringRound)
    )
    active = select(func.count(Municipality.id)).where(active_municipalities_clause())
    merged_on = (
        select(Municipality.merged_on)
        .where(Municipality.id == municipality_id)
        .scalar_subquery()
    )
    if municipality_id is not None:  # its own answers, merged or not
        scored = (
            select(func.count())
            .select_from(
                answered.where(Score.municipality_id == municipality_id).subquery()
            )
            .scalar_subquery()
        )
    else:  # a merged municipality is not asked: it counts neither way
        complete = (
            answered.where(active_municipalities_clause())
            .group_by(Score.municipality_id)
            .having(func.count(Score.id) >= threads)
        )
        scored = select(func.count()).select_from(complete.subquery()).scalar_subquery()
    query = select(
        ScoringRound,
        threads.label("threads"),
        scored.label("answers"),
        active.scalar_subquery().label("municipalities"),
        merged_on.label("merged_on"),
    ).where(ScoringRound.status == "open", not_archived(ScoringRound))
    if municipality_id is not None:
        query = query.where(or_(merged_on.is_(None), ScoringRound.opens_on < merged_on))
    return [
        {
            "round": row.ScoringRound,
            "threads": row.threads,
            "scored": row.answers if municipality_id else None,
            "asked": row.merged_on is None,
            "complete": int(row.answers >= row.threads)
            if municipality_id
            else row.answers,
            "municipalities": row.municipalities,
        }
        for row in db.session.execute(query.order_by(ScoringRound.closes_on))
    ]


#: The tables the key figures count rows of (the read model's invalidation).
KEY_FIGURES_READS = (
    "application",
    "municipality",
    "task",
    "theme",
    "thread",
    "working_group",
)


def key_figures(day) -> dict[str, int]:
    """The coordinator's key figures (read model; one query when they changed)."""
    return readmodel.cached(
        "key_figures", day, lambda: _key_figures(day), reads=KEY_FIGURES_READS
    )


def _key_figures(day) -> dict[str, int]:
    def count(model, *conditions):
        return (
            select(func.count()).select_from(model).where(*conditions)
        ).scalar_subquery()

    # Tasks in use = all of them less the few of archived groups and dossiers:
    # each count reads an index, none tests every task's group and dossier. The
    # open statuses named (not "!= done"): one range of the status index each;
    # the few out of use found from the archived rows ("!= done": SQLite then
    # starts from them, not from the status index).
    unused = task_out_of_use()
    late = (Task.status.in_(OPEN_TASK_STATUSES), Task.due_on < day)
    row = db.session.execute(
        select(
            count(Municipality, active_municipalities_clause()).label("municipalities"),
            count(Thread, not_archived(Thread)).label("threads"),
            count(Theme, Theme.status == "active").label("themes"),
            (
                count(Task)
                - count(Task, Task.status == "done")
                - count(Task, Task.status != "done", unused)
            ).label("open_tasks"),
            (count(Task, *late) - count(Task, overdue_clause(day), unused)).label(
                "overdue_tasks"
            ),
        )
    ).one()
    return dict(row._mapping)


def coordinator_dashboard(user: User) -> dict[str, Any]:
    return _deadline_lists(Scope(viewer=user)) | {
        "counts": key_figures(today()),
        "open_calls": open_calls(),
        "pipeline": pipeline_totals(user),
        "rounds": open_rounds_progress(),
    }


def _task_list(user: User, *conditions) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(permissions.visible_tasks(user), task_in_use(), *conditions)
            .order_by(Task.due_on.is_(None), Task.due_on, Task.id)
            .limit(LIST_LIMIT)
        )
    )


def _my_tasks(user: User) -> dict[str, Any]:
    """The first open tasks assigned to `user`, and how many of theirs are
    overdue (a column of the same query: one statement)."""
    overdue = (
        select(func.count(Task.id))
        .where(
            Task.assignee_id == user.id,
            overdue_clause(today()),
            permissions.visible_tasks(user),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Task, overdue.label("overdue"))
        .where(
            permissions.visible_tasks(user),
            task_in_use(),
            Task.assignee_id == user.id,
            Task.status != "done",
        )
        .order_by(Task.due_on.is_(None), Task.due_on, Task.id)
        .limit(LIST_LIMIT)
    ).all()
    return {
        "my_tasks": [row.Task for row in rows],
        "my_overdue": rows[0].overdue if rows else 0,
    }


def lead_dashboard(user: User) -> dict[str, Any]:
    groups = list(
        db.session.scalars(
            select(WorkingGroup)
            .join(group_lead, group_lead.c.group_id == WorkingGroup.id)
            .where(group_lead.c.user_id == user.id, not_archived(WorkingGroup))
            .order_by(WorkingGroup.name)
        )
    )
    group_ids = [g.id for g in groups]
    data = municipality_dashboard(user)
    data.update(
        groups=groups,
        progress=group_progress(group_ids),
        group_overdue=_task_list(
            user, Task.group_id.in_(group_ids), overdue_clause(today())
        ),
    )
    return data


def municipality_dashboard(user: User) -> dict[str, Any]:
    rollout = list(
        db.session.execute(
            select(
                Theme.title,
                Theme.id,
                Rollout.stage,
                Rollout.updated_at,
                Rollout.updated_by_id,
            )
            .join(Rollout, and_(Rollout.theme_id == Theme.id))
            .where(Rollout.municipality_id == user.municipality_id)
            .order_by(Theme.title)
        )
    )
    return _deadline_lists(Scope(viewer=user, user=user)) | {
        "rounds": open_rounds_progress(user.municipality_id),
        **_my_tasks(user),
        "pipeline": pipeline_totals(user),
        "rollout": rollout,
        "fitting_calls": fitting_calls(user.municipality_id, LIST_LIMIT),
    }


def regional_progress() -> dict[str, Any]:
    """Every theme with its task progress and how many municipalities are at
    each rollout stage."""
    themes = list(
        db.session.scalars(select(Theme).order_by(Theme.title).limit(LIST_LIMIT * 5))
    )
    return {
        "themes": themes,
        "progress": theme_progress([t.id for t in themes]),
        "stages": readmodel.cached(
            "theme_stage_counts",
            "region",
            theme_stage_counts,
            reads=("municipality", "rollout"),
        ),
    }


def theme_stage_counts() -> dict[int, dict[str, int]]:
    """Per theme: how many active municipalities are at each rollout stage (a
    merged municipality's rollouts are history)."""
    # Every rollout row counted on the covering index, less those of the few
    # merged municipalities (a list SQLite builds once): no join, no second pass.
    merged = select(Municipality.id).where(not_(active_municipalities_clause()))
    counts = (
        select(Rollout.theme_id, Rollout.stage, func.count())
        .where(Rollout.municipality_id.not_in(merged))
        .group_by(Rollout.theme_id, Rollout.stage)
    )
    stages: dict[int, dict[str, int]] = {}
    for theme_id, stage, n in db.session.execute(counts):
        stages.setdefault(theme_id, {})[stage] = n
    return stages


def viewer_dashboard(user: User) -> dict[str, Any]:
    return regional_progress() | {"open_calls": open_calls()}


def dashboard_template(user: User) -> str:
    """The template of the dashboard for `user`'s role."""
    return f"main/dashboard_{user.role}.html"


def dashboard_data(user: User, since: Any = None) -> dict[str, Any]:
    """What the dashboard for `user`'s role shows; `since`: the end of their
    previous visit (app.main.visits.register_visit), for "new since then"."""
    builders = {
        "coordinator": coordinator_dashboard,
        "lead": lead_dashboard,
        "municipality": municipality_dashboard,
        "viewer": viewer_dashboard,
    }
    data = builders[user.role](user)
    # "new"/"changed" marks on the items of the lists (app.main.visits).
    data["mark"] = partial(change_mark, since, user.id)
    if user.role != "viewer":
        data["themes_overview"] = regional_progress()
    if permissions.can_view_activity(user):
        news = news_since(user, since, LIST_LIMIT)
        data["news"] = news
        # Sentences only: what changed, read from the entries themselves.
        data["news_entries"] = [EntryView(e, sentence(e), []) for e in news.entries]
    return data
