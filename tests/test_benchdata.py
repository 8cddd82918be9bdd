"""Benchmark data (`flask generate-data`) and the benchmark's statistics helpers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from werkzeug.security import check_password_hash

from app import create_app
from app.auth.models import User
from app.extensions import db
from app.models import (
    Activity,
    Application,
    ApplicationPartner,
    Municipality,
    Payment,
    Rollout,
    Score,
    ScoringRound,
    Task,
    Theme,
    Thread,
    WorkingGroup,
)
from bench.data import (
    BENCH_PASSWORD,
    SCALES,
    TABLES,
    GenerationError,
    generate,
    generate_data_command,
)
from bench.stats import QueryCounter, median, p95, percentile
from tests.conftest import _config_for

ANCHOR = date(2026, 3, 15)
TINY = SCALES["tiny"]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _dump() -> dict[str, list[tuple]]:
    """Every generated row, in primary-key order, as comparable tuples."""
    dump = {}
    for table in TABLES:
        rows = db.session.execute(
            select(table).order_by(*table.primary_key.columns)
        ).all()
        # The password hash has Werkzeug's random salt: the one part left out.
        dump[table.name] = [
            tuple(v for k, v in row._mapping.items() if k != "password_hash")
            for row in rows
        ]
    return dump


def test_tiny_scale_has_the_sizes_asked_for(app):
    counts = generate(TINY, anchor=ANCHOR)
    assert _count(Municipality) == TINY.municipalities == counts["municipality"]
    merged = db.session.scalar(
        select(func.count()).where(Municipality.merged_into_id.is_not(None))
    )
    assert merged == TINY.merged
    assert _count(User) == TINY.users
    assert _count(Thread) == TINY.threads
    assert _count(Theme) == TINY.themes
    assert _count(WorkingGroup) == TINY.themes * TINY.groups_per_theme
    assert _count(Task) == TINY.tasks
    assert _count(Application) == TINY.applications
    assert _count(ApplicationPartner) == TINY.partners
    assert _count(Activity) == TINY.activity
    assert _count(Rollout) == TINY.themes * TINY.municipalities
    assert _count(ScoringRound) == 2


def test_tiny_scale_is_consistent(app):
    generate(TINY, anchor=ANCHOR)
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        assert db.session.scalar(text("PRAGMA integrity_check")) == "ok"
    active = db.session.scalar(
        select(func.count()).where(Municipality.merged_into_id.is_(None))
    )
    # Every active municipality scored every thread in both (closed) rounds.
    assert _count(Score) == 2 * active * TINY.threads
    assert set(db.session.scalars(select(ScoringRound.status))) == {"closed"}
    scorers = db.session.scalars(
        select(Municipality).join(Score, Score.municipality_id == Municipality.id)
    )
    assert all(m.is_active for m in scorers)
    # Users: unique lowercase emails, one password, municipal roles have a place.
    users = list(db.session.scalars(select(User)))
    assert len({u.email for u in users}) == len(users)
    assert all(u.email == u.email.lower() for u in users)
    assert len({u.password_hash for u in users}) == 1
    assert check_password_hash(users[0].password_hash, BENCH_PASSWORD)
    assert all(u.municipality_id for u in users if u.role in ("lead", "municipality"))
    coordinator = db.session.scalar(
        select(User).where(User.email == "coordinator@bench.example")
    )
    assert coordinator.role == "coordinator" and coordinator.active
    # Tasks: done is complete, todo has not started.
    for task in db.session.scalars(select(Task)):
        assert task.status != "done" or task.progress == 100
        assert task.group_id or task.application_id
    # Applications: amounts and dates fit the status; partners are not the lead.
    for application in db.session.scalars(select(Application)):
        assert application.lead_municipality_id not in {
            p.municipality_id for p in application.partners
        }
        assert sum(p.share_pct for p in application.partners) <= Decimal(100)
        if application.status in ("submitted", "granted", "rejected", "reporting"):
            assert application.submitted_on is not None
        if application.status in ("granted", "rejected", "reporting", "closed"):
            assert application.decided_on is not None
        if application.granted_amount is not None:
            assert application.granted_amount <= application.requested_amount
            assert application.obligations
        paid = sum((p.amount for p in application.payments), Decimal(0))
        assert paid <= (application.granted_amount or 0)
    assert _count(Payment) > 0
    # Ids continue after the generated ones (PostgreSQL sequences moved on).
    extra = Thread(code="RDX", title="Added after generation")
    db.session.add(extra)
    db.session.commit()
    assert extra.id == TINY.threads + 1


def test_generation_is_deterministic(app, databases, tmp_path):
    generate(TINY, anchor=ANCHOR)
    first = _dump()
    folder = tmp_path / "second"
    folder.mkdir()
    url = databases.create("empty", folder)
    other = create_app(_config_for(url))
    try:
        with other.app_context():
            generate(TINY, anchor=ANCHOR)
            second = _dump()
            db.session.remove()
            db.engine.dispose()
    finally:
        databases.drop(url)
    assert first == second
    assert sum(len(rows) for rows in first.values()) > 300


def test_another_seed_gives_other_data(app):
    generate(TINY, anchor=ANCHOR, seed=7)
    names = set(db.session.scalars(select(Municipality.name)))
    from bench.data import Generator

    generator = Generator(TINY, 8, ANCHOR)
    generator.build(lambda message: None)
    assert names != {m["name"] for m in generator.rows["municipality"]}


def test_refuses_a_database_that_is_not_empty(app):
    generate(TINY, anchor=ANCHOR)
    with pytest.raises(GenerationError, match="not empty"):
        generate(TINY, anchor=ANCHOR)
    assert _count(Municipality) == TINY.municipalities


def test_refuses_a_database_without_schema(app):
    with app.app_context():
        db.drop_all()
    with pytest.raises(GenerationError, match="no schema"):
        generate(TINY, anchor=ANCHOR)


def test_the_command_fills_the_midwest_scale(app):
    app.cli.add_command(generate_data_command)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["generate-data", "--scale", "midwest", "--today", "2026-03-15"]
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and BENCH_PASSWORD in result.output
    assert _count(Municipality) == SCALES["midwest"].municipalities == 16
    assert _count(Task) == SCALES["midwest"].tasks
    again = runner.invoke(args=["generate-data", "--scale", "midwest"])
    assert again.exit_code != 0
    assert "not empty" in again.output


def test_percentiles_on_known_values():
    values = [5, 1, 4, 2, 3]
    assert median(values) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 5
    assert percentile(values, 25) == 2
    assert p95(list(range(1, 21))) == pytest.approx(19.05)
    assert p95([7.0]) == 7.0
    with pytest.raises(ValueError):
        median([])
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_query_counter_counts_statements(app):
    with QueryCounter(db.engine) as counter:
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("SELECT 2"))
        assert counter.count == 2
        counter.reset()
        db.session.scalar(select(func.count()).select_from(Municipality))
        assert counter.count == 1
        assert "municipality" in counter.statements[0]
    db.session.execute(text("SELECT 3"))
    assert counter.count == 1  # detached on exit
