"""The read model: every write bumps the data generation in its own transaction,
shared figures are computed once per generation, and what they show always
equals a recomputation from the rows."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import delete, select, update

from app import readmodel
from app.auth.models import LoginFailure
from app.auth.service import find_user
from app.extensions import db
from app.readmodel import DataGeneration, current_generation
from app.strategy.models import Score, ScoringRound
from app.strategy.results import compute_results, summarize
from app.subsidies.models import APPLICATION_STATUSES, Application
from app.subsidies.rollups import pipeline_totals, rollup_by_call
from app.work.models import Task, WorkingGroup
from app.work.progress import group_progress, municipality_progress, theme_progress
from tests import factories

COORDINATOR = "coordinator@midwest.example"


def _stored_generation() -> int:
    db.session.expire_all()
    return db.session.scalar(select(DataGeneration.value))


def test_a_write_bumps_the_generation_once_in_its_own_transaction(app):
    start = _stored_generation()
    factories.task()  # several flushes in one transaction
    factories.task()
    db.session.commit()
    assert _stored_generation() == start + 1
    factories.theme()
    db.session.rollback()
    assert _stored_generation() == start + 1


def test_bulk_statements_bump_and_bookkeeping_does_not(app):
    factories.task(progress=10)
    db.session.commit()
    start = _stored_generation()
    db.session.execute(update(Task).values(progress=50))
    db.session.commit()
    assert _stored_generation() == start + 1
    db.session.execute(delete(Task))
    db.session.commit()
    assert _stored_generation() == start + 2
    from app.clock import now_utc

    db.session.add(LoginFailure(email="a@example.org", ip="127.0.0.1", at=now_utc()))
    db.session.commit()
    assert _stored_generation() == start + 2


def test_a_figure_is_computed_once_per_generation(app):
    group = factories.group()
    factories.task(group, status="done", progress=100)
    db.session.commit()
    calls = []

    def compute():
        calls.append(1)
        return db.session.scalar(select(db.func.count(Task.id)))

    assert readmodel.cached("tasks", "region", compute) == 1
    assert readmodel.cached("tasks", "region", compute) == 1
    assert len(calls) == 1
    factories.task(group)
    # Uncommitted: computed for this transaction only, never stored.
    assert readmodel.cached("tasks", "region", compute) == 2
    db.session.rollback()
    assert readmodel.cached("tasks", "region", compute) == 1
    factories.task(group)
    db.session.commit()
    assert readmodel.cached("tasks", "region", compute) == 2
    assert readmodel.cached("tasks", "region", compute) == 2
    assert len(calls) == 3  # first, uncommitted, after the commit


def test_the_next_request_sees_a_write_of_the_previous(demo_login):
    client = demo_login(COORDINATOR)
    task = db.session.scalars(select(Task).where(Task.status != "done")).first()
    theme_id = task.group.theme_id
    before = theme_progress([theme_id])[theme_id]
    assert client.get("/").status_code == 200
    generation = current_generation()
    client.form(f"/tasks/{task.id}/delete")
    db.session.expire_all()
    assert current_generation() == generation + 1
    after = theme_progress([theme_id])[theme_id]
    assert after.total == before.total - 1


# --- totals shown equal totals recomputed from the rows, after random writes ------


def _recomputed_progress():
    """Per theme, group and municipality, from the task rows (plain Python)."""
    theme_of = dict(
        db.session.execute(select(WorkingGroup.id, WorkingGroup.theme_id)).all()
    )
    rows = db.session.execute(
        select(Task.group_id, Task.municipality_id, Task.status, Task.progress)
    ).all()
    per = {"theme": defaultdict(list), "group": defaultdict(list)}
    per["municipality"] = defaultdict(list)
    for group_id, municipality_id, status, progress in rows:
        per["group"][group_id].append((status, progress))
        per["theme"][theme_of[group_id]].append((status, progress))
        if municipality_id is not None:
            per["municipality"][municipality_id].append((status, progress))
    return {
        kind: {
            key: (
                len(tasks),
                sum(1 for status, _p in tasks if status == "done"),
                sum(p for _s, p in tasks) / len(tasks),
            )
            for key, tasks in table.items()
        }
        for kind, table in per.items()
    }


def _shown(progress) -> tuple:
    return (progress.total, progress.done, progress.mean_progress)


def _assert_figures_match_the_rows(coordinator):
    db.session.expire_all()
    expected = _recomputed_progress()
    themes = list(expected["theme"])
    groups = list(expected["group"])
    for key, shown in theme_progress(themes).items():
        assert _shown(shown) == expected["theme"][key]
    for key, shown in group_progress(groups).items():
        assert _shown(shown) == expected["group"][key]
    municipalities = list(expected["municipality"])
    for key, shown in municipality_progress(municipalities).items():
        assert _shown(shown.tasks) == expected["municipality"][key]
    applications = db.session.scalars(select(Application)).all()
    pipeline = pipeline_totals(coordinator)
    for status in APPLICATION_STATUSES:
        mine = [a for a in applications if a.status == status]
        assert pipeline[status].applications == len(mine)
        assert pipeline[status].requested == sum(
            (a.requested_amount for a in mine), Decimal("0.00")
        )
    per_call = rollup_by_call()
    assert sum(f.applications for f in per_call.values()) == len(applications)
    for scoring_round in db.session.scalars(select(ScoringRound)):
        shown = compute_results([scoring_round])[scoring_round.id]
        for result in shown.threads:
            values = db.session.scalars(
                select(Score.value).where(
                    Score.round_id == scoring_round.id,
                    Score.thread_id == result.thread.id,
                    Score.value.is_not(None),
                )
            ).all()
            fresh = summarize(result.thread, list(values), 7, 2 / 3)
            assert (result.responses, result.mean, result.median) == (
                fresh.responses,
                fresh.mean,
                fresh.median,
            )


def test_figures_equal_the_rows_after_random_writes(demo_app):
    rng = random.Random(15)
    coordinator = find_user(COORDINATOR)
    groups = db.session.scalars(select(WorkingGroup.id)).all()
    open_round = db.session.scalar(
        select(ScoringRound).where(ScoringRound.status == "open")
    )
    _assert_figures_match_the_rows(coordinator)  # fills the read model
    for step in range(40):
        kind = rng.choice(
            ["progress", "status", "new", "delete", "bulk", "app", "score"]
        )
        tasks = db.session.scalars(select(Task)).all()
        task = rng.choice(tasks)
        if kind == "progress" and task.status != "done":
            task.progress = rng.randint(0, 100)
        elif kind == "status":
            task.status = rng.choice(["todo", "in_progress", "blocked", "done"])
            task.progress = 100 if task.status == "done" else rng.randint(0, 99)
        elif kind == "new":
            factories.task(
                group_id=rng.choice(groups),
                progress=rng.randint(0, 100),
                municipality_id=task.municipality_id,
            )
        elif kind == "delete":
            db.session.delete(task)
        elif kind == "bulk":
            db.session.execute(
                update(Task)
                .where(Task.group_id == task.group_id, Task.status != "done")
                .values(progress=step)
            )
        elif kind == "app":
            application = rng.choice(db.session.scalars(select(Application)).all())
            application.requested_amount = Decimal(rng.randint(1, 90000))
            application.status = rng.choice(["idea", "preparing", "submitted"])
        else:
            score = rng.choice(
                db.session.scalars(
                    select(Score).where(Score.round_id == open_round.id)
                ).all()
            )
            score.value = rng.choice([None, *range(11)])
        db.session.commit()
        _assert_figures_match_the_rows(coordinator)
