"""The read model: every write bumps the data generation in its own transaction,
shared figures are computed once per generation, and what they show always
equals a recomputation from the rows."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, text, update

from app import create_app, readmodel
from app.auth.models import LoginFailure
from app.auth.service import find_user
from app.extensions import db
from app.readmodel import DataChange, DataVersion, current_generation
from app.strategy.models import Score, ScoringRound
from app.strategy.results import compute_results, summarize
from app.subsidies.models import APPLICATION_STATUSES, Application
from app.subsidies.rollups import pipeline_totals, rollup_by_call
from app.work.models import Task, WorkingGroup
from app.work.progress import group_progress, municipality_progress, theme_progress
from tests import factories
from tests.conftest import DEMO_PASSWORD

COORDINATOR = "coordinator@midwest.example"


def _logged() -> list[str]:
    """The tables in the change log, in the order logged."""
    db.session.expire_all()
    return list(
        db.session.scalars(select(DataChange.table_name).order_by(DataChange.id))
    )


def _stored_versions() -> dict[str, int]:
    db.session.expire_all()
    return readmodel._read_versions(db.session)


def test_a_write_logs_each_changed_table_once_in_its_own_transaction(app):
    before = _logged()
    factories.task()  # several flushes in one transaction
    factories.task()
    db.session.commit()
    assert sorted(_logged()[len(before) :]) == sorted(
        {"task", "working_group", "theme"}
    )
    factories.theme()
    db.session.rollback()  # the log rows go with the data
    assert len(_logged()) == len(before) + 3


def test_bulk_statements_log_and_bookkeeping_does_not(app):
    factories.task(progress=10)
    db.session.commit()
    start = _stored_versions()
    db.session.execute(update(Task).values(progress=50))
    db.session.commit()
    assert _stored_versions()["task"] == start["task"] + 1
    db.session.execute(delete(Task))
    db.session.commit()
    after = _stored_versions()
    assert after["task"] == start["task"] + 2
    assert after["working_group"] == start["working_group"]  # not what changed
    from app.clock import now_utc

    db.session.add(LoginFailure(email="a@example.org", ip="127.0.0.1", at=now_utc()))
    db.session.commit()
    assert _stored_versions() == after


def test_bookkeeping_columns_change_only_the_bookkeeping_version(app):
    user = factories.user(role="coordinator")
    db.session.commit()
    start = _stored_versions()
    user.last_login_at = datetime.now(UTC)
    user.rotate_session_nonce()
    db.session.commit()
    after = _stored_versions()
    assert after[readmodel.BOOKKEEPING] == start[readmodel.BOOKKEEPING] + 1
    assert {k: v for k, v in after.items() if k != readmodel.BOOKKEEPING} == {
        k: v for k, v in start.items() if k != readmodel.BOOKKEEPING
    }
    user.full_name = "Someone Else"  # a real change of a user
    db.session.commit()
    assert _stored_versions()["user_account"] == start["user_account"] + 1


def test_a_delete_changes_the_tables_the_database_cascades_to(app):
    application = factories.application()
    factories.payment(application, "100")
    db.session.commit()
    start = _stored_versions()
    db.session.execute(delete(Application).where(Application.id == application.id))
    db.session.commit()
    after = _stored_versions()
    assert after["application"] == start["application"] + 1
    assert after["payment"] == start["payment"] + 1  # ON DELETE CASCADE


def test_compaction_folds_the_log_and_keeps_every_version(app):
    for _ in range(5):
        factories.task()
        db.session.commit()
    before = _stored_versions()
    assert _logged()
    assert readmodel.compact(db.engine) > 0
    assert _logged() == []
    assert _stored_versions() == before
    factories.task()
    db.session.commit()
    assert _stored_versions()["task"] == before["task"] + 1


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
    assert current_generation() > generation
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


# --- a write invalidates only what read the data it changed ------------------------


def _counting(compute):
    calls = []

    def run():
        calls.append(1)
        return compute()

    return run, calls


def test_a_sign_in_and_out_leave_cached_figures_in_place(demo_login, demo_app):
    client = demo_login(COORDINATOR)
    assert client.get("/").status_code == 200  # fills the figures of the dashboard
    store = demo_app.extensions["readmodel"]
    kept = dict(store.entries)
    assert kept
    other = demo_app.test_client()
    other.__class__ = type(client)
    page = other.get("/login")
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed = other.post(
        "/login",
        data={
            "csrf_token": token,
            "email": "lead@midwest.example",
            "password": DEMO_PASSWORD,
        },
    )
    assert signed.status_code == 302
    assert find_user("lead@midwest.example").last_login_at is not None
    other.fetch_csrf("/")
    assert other.form("/logout").status_code in (302, 303)
    computed = store.computed
    assert client.get("/").status_code == 200
    assert store.computed == computed  # the dashboard computed nothing again
    assert {key: store.entries[key] for key in kept} == kept


def test_a_task_write_leaves_a_rounds_results_cached(demo_login, demo_app):
    client = demo_login(COORDINATOR)
    scoring_round = db.session.scalar(
        select(ScoringRound).where(ScoringRound.status == "open")
    )
    url = f"/rounds/{scoring_round.id}/results"
    assert client.get(url).status_code == 200
    store = demo_app.extensions["readmodel"]
    results = {k: v for k, v in store.entries.items() if k[0] == "round_results"}
    assert results
    task = db.session.scalars(select(Task).where(Task.status != "done")).first()
    saved = client.form(f"/tasks/{task.id}/delete")
    assert saved.status_code == 303
    assert client.get(url).status_code == 200
    assert {
        k: v for k, v in store.entries.items() if k[0] == "round_results"
    } == results
    # A score write does recompute them.
    score = db.session.scalar(select(Score).where(Score.round_id == scoring_round.id))
    score.value = 10 if score.value != 10 else 9
    db.session.commit()
    assert client.get(url).status_code == 200
    assert {
        k: v for k, v in store.entries.items() if k[0] == "round_results"
    } != results


def test_a_figure_that_reads_an_undeclared_table_fails_in_the_tests(app):
    factories.task()
    db.session.commit()
    with pytest.raises(readmodel.UndeclaredRead, match="task"):
        readmodel.cached(
            "sneaky",
            "region",
            lambda: db.session.scalar(select(db.func.count(Task.id))),
            reads=("score",),
        )


# --- the version rows: checked at start -----------------------------------------------


def _start(app):
    from tests.conftest import _config_for

    return create_app(_config_for(app.config["SQLALCHEMY_DATABASE_URI"]))


def test_a_missing_version_row_stops_the_app_at_start(app):
    db.session.execute(delete(DataVersion).where(DataVersion.table_name == "task"))
    db.session.commit()
    with pytest.raises(readmodel.CounterRowsBroken, match="missing for: task"):
        _start(app)


def test_a_duplicated_version_row_stops_the_app_at_start(app):
    # A restore without the primary key: the same table twice.
    db.session.execute(delete(DataVersion).where(DataVersion.table_name != "task"))
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE data_version"))
        connection.execute(
            text("CREATE TABLE data_version (table_name VARCHAR(64), value BIGINT)")
        )
        connection.execute(
            text(
                "INSERT INTO data_version VALUES ('task', 1), ('task', 2), ('score', 1)"
            )
        )
    with pytest.raises(readmodel.CounterRowsBroken) as stopped:
        _start(app)
    assert "more than one for: task" in str(stopped.value)
    assert "missing for: activity" in str(stopped.value)


def test_the_migrations_and_create_all_give_every_row(app, tmp_path):
    from sqlalchemy import create_engine

    readmodel.check_versions(db.engine)  # the migrated database of the fixture
    engine = create_engine(f"sqlite:///{tmp_path / 'made.sqlite'}")
    db.metadata.create_all(engine)
    readmodel.check_versions(engine)
    with engine.connect() as connection:
        names = set(connection.scalars(select(DataVersion.table_name)))
    engine.dispose()
    assert names == set(readmodel.versioned_names())
