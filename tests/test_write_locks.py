"""Writes never queue behind unrelated writes (issue 23 item 4).

On PostgreSQL a writing transaction holds row locks on what it wrote and nothing
else: no counter row shared by every writer. Each test keeps one transaction open
(a write, or a long score import) and makes an unrelated write in a second
connection with `lock_timeout` set: if it had to wait for a lock, PostgreSQL would
stop it with "canceling statement due to lock timeout" instead of letting it
commit. A write to the *same* row does wait (the guard that the setting works).
SQLite serializes writers in any case: these tests are for PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import readmodel
from app.auth.service import find_user
from app.extensions import db
from app.strategy.models import Score, ScoringRound
from app.strategy.workbooks import Change, ImportCheck, apply_import
from app.subsidies.models import Application
from app.work.models import Task

pytestmark = pytest.mark.usefixtures("postgresql_only")


@pytest.fixture
def postgresql_only(demo_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks between writers: PostgreSQL (SQLite serializes)")


def _second_connection() -> Session:
    """Another connection, whose statements give up after waiting 1 s for a lock."""
    other = Session(db.engine)
    other.execute(text("SET LOCAL lock_timeout = '1s'"))
    return other


def _two_tasks() -> tuple[int, int]:
    first, second = db.session.scalars(
        select(Task.id).where(Task.status != "done").order_by(Task.id).limit(2)
    ).all()
    return first, second


def test_a_write_does_not_wait_for_an_unrelated_open_write(demo_app):
    mine, theirs = _two_tasks()
    db.session.get(Task, mine).progress = 41
    db.session.flush()  # written, locked and logged, not committed
    other = _second_connection()
    try:
        other.get(Task, theirs).progress = 42
        other.get(Application, 1).notes = "Changed while another write is open"
        other.commit()  # no lock timeout: it waited for nothing
    finally:
        other.close()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Task, mine).progress == 41
    assert db.session.get(Task, theirs).progress == 42


def test_a_write_to_the_same_row_does_wait(demo_app):
    mine, _theirs = _two_tasks()
    db.session.get(Task, mine).progress = 41
    db.session.flush()
    other = _second_connection()
    try:
        other.get(Task, mine).progress = 43
        with pytest.raises(OperationalError, match="lock timeout"):
            other.flush()
    finally:
        other.rollback()
        other.close()
    db.session.commit()


def test_a_long_score_import_blocks_no_other_write(demo_app):
    scoring_round = db.session.scalar(
        select(ScoringRound).where(ScoringRound.status == "open")
    )
    scores = db.session.scalars(
        select(Score).where(Score.round_id == scoring_round.id)
    ).all()
    check = ImportCheck(
        round_id=scoring_round.id,
        filename="scores.xlsx",
        changes=[
            Change(
                thread_id=s.thread_id,
                municipality_id=s.municipality_id,
                code="",
                municipality="",
                old=s.value,
                new=7 if s.value != 7 else 8,
                exists=True,
            )
            for s in scores
        ],
    )
    assert len(check.changes) > 10
    written = apply_import(check, find_user("coordinator@midwest.example"))
    assert written == len(scores)  # the import's transaction is still open
    task, _other_task = _two_tasks()
    other = _second_connection()
    try:
        other.get(Task, task).progress = 44
        other.get(Application, 1).notes = "Changed during an import"
        other.commit()
    finally:
        other.close()
    db.session.commit()


def _versions() -> dict[str, int]:
    with db.engine.connect() as connection:
        return readmodel._read_versions(connection)


def test_folding_the_change_log_waits_for_no_open_write(demo_app):
    mine, theirs = _two_tasks()
    other = Session(db.engine)
    other.get(Task, theirs).progress = 45
    other.commit()
    other.close()
    db.session.get(Task, mine).progress = 46
    db.session.flush()  # an open write with its own change-log row
    impatient = create_engine(
        db.engine.url, connect_args={"options": "-c lock_timeout=1000"}
    )
    before = _versions()
    try:
        assert readmodel.compact(impatient) > 0  # did not wait for the open write
    finally:
        impatient.dispose()
    assert _versions() == before
    db.session.commit()
    assert _versions()["task"] == before["task"] + 1
