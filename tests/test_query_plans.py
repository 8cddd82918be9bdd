"""Query plans of the heavy lists and roll-ups (issue 23 item 1), on SQLite: a
list reads its rows through an index, a roll-up reads the dossiers from a
covering index, instead of every dossier's whole row (no durations asserted:
the plan says what a statement reads)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, text

from app.extensions import db
from app.municipalities import participation
from app.subsidies import rollups
from tests import factories


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plans")


@contextmanager
def _statements():
    seen: list[tuple[str, object]] = []

    def listen(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def _plan(statement: str, parameters) -> list[str]:
    rows = db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters
    )
    return [row[3] for row in rows]


@pytest.fixture
def dossiers(sqlite_only):
    places = [factories.municipality() for _ in range(3)]
    for n in range(6):
        dossier = factories.application(
            lead=places[n % 3],
            status="submitted",
            submitted_on=date(2026, 1, 5),
            requested_amount=Decimal("100"),
        )
        factories.partner(dossier, places[(n + 1) % 3], "10")
    db.session.commit()
    return places


def test_the_municipality_pages_dossiers_are_read_from_its_indexes(dossiers):
    coordinator = factories.user("coordinator")
    db.session.commit()
    with _statements() as seen:
        participation._applications(coordinator, dossiers[0], 10)
    plan = _plan(*seen[-1])
    assert not any(step.startswith("SCAN application") for step in plan), plan


@pytest.mark.parametrize("key", ["call_id", "theme_id"])
def test_the_roll_ups_per_call_and_theme_read_a_covering_index(dossiers, key):
    with _statements() as seen:
        rollups._grouped(key, None)
    (statement,) = [s for s in seen if s[0].startswith(f"SELECT anon_1.{key}")]
    plan = _plan(*statement)
    assert any(
        step.startswith("SCAN application USING COVERING INDEX") for step in plan
    ), plan


def test_the_regions_roll_up_per_municipality_reads_no_dossier(dossiers):
    with _statements() as seen:
        rollups.rollup_by_municipality(None)
    tables = " ".join(step for s in seen for step in _plan(*s))
    assert "municipality_money" in tables
    assert "application" not in tables.replace("application_", "")
    assert db.session.execute(text("SELECT count(*) FROM municipality_money")).scalar()
