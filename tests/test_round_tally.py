"""A closed round's tally (issue 23 item 1): written by the transaction that closes
the round, equal to what the scores give, and what its figures are read from."""

import importlib.util
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import distinct, event, func, select, text

from app.extensions import db
from app.strategy.models import RoundTally, Score, ScoringRound, round_thread
from app.strategy.results import round_results, tally_round
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def open_round(app):
    """An open round of four threads: answers, no-answers, a merged municipality's
    old score and a score of a thread the round does not ask."""
    a, b, c = (factories.municipality(n) for n in ("A", "B", "C"))
    merged = factories.municipality(
        "M", merged_into_id=a.id, merged_on=date(2025, 1, 1)
    )
    threads = [factories.thread(code=f"T{n}") for n in range(1, 5)]
    other = factories.thread(code="OTHER")
    r = factories.scoring_round(threads=threads, status="open")
    table = {
        0: {a: 8, b: 6, merged: 10, c: None},
        1: {a: 9, b: 9, c: 2},
        2: {c: None},  # nobody scored it
        3: {b: 7},
    }
    for n, values in table.items():
        for municipality, value in values.items():
            factories.score(r, threads[n], municipality, value)
    factories.score(r, other, c, 0)  # not asked: ignored
    db.session.commit()
    return r


def _from_scores(round_id: int):
    """The tally counted from scratch: (thread, value) → answers; respondents."""
    asked = (round_thread.c.round_id == Score.round_id) & (
        round_thread.c.thread_id == Score.thread_id
    )
    answered = (Score.round_id == round_id, Score.value.is_not(None))
    counts = db.session.execute(
        select(Score.thread_id, Score.value, func.count())
        .join(round_thread, asked)
        .where(*answered)
        .group_by(Score.thread_id, Score.value)
    ).all()
    respondents = db.session.scalar(
        select(func.count(distinct(Score.municipality_id)))
        .join(round_thread, asked)
        .where(*answered)
    )
    return {(t, v): n for t, v, n in counts}, respondents


def _tally(round_id: int):
    rows = db.session.execute(
        select(RoundTally.thread_id, RoundTally.value, RoundTally.responses).where(
            RoundTally.round_id == round_id
        )
    ).all()
    respondents = db.session.scalar(
        select(ScoringRound.respondents).where(ScoringRound.id == round_id)
    )
    return {(t, v): n for t, v, n in rows}, respondents


def _figures(results):
    return [
        {k: v for k, v in asdict(r).items() if k != "thread"} | {"code": r.thread.code}
        for r in results.threads
    ] + [results.respondents]


def _cold(app):
    app.extensions.pop("readmodel", None)
    db.session.expire_all()


def test_closing_a_round_writes_its_tally(app, login_as, open_round):
    before = _figures(round_results(open_round))  # from the scores (open round)
    assert _tally(open_round.id) == ({}, None)
    client = login_as("coordinator")
    response = client.form(f"/rounds/{open_round.id}/status", {"status": "closed"})
    assert response.status_code == 303
    _cold(app)
    counts, respondents = _tally(open_round.id)
    assert (counts, respondents) == _from_scores(open_round.id)
    assert respondents == 4 and sum(counts.values()) == 7
    closed = db.session.get(ScoringRound, open_round.id)
    assert closed.status == "closed"
    assert _figures(round_results(closed)) == before


def test_a_tallied_round_reads_no_score(app, open_round):
    open_round.status = "closed"
    tally_round(open_round)
    db.session.commit()
    _cold(app)
    statements = []

    def listen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        results = round_results(db.session.get(ScoringRound, open_round.id))
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert sorted(r.responses for r in results.threads) == [0, 1, 3, 3]
    assert statements and not any("FROM score" in s for s in statements)


def test_a_closed_round_without_tally_counts_its_scores(app, open_round):
    """Rounds closed without `change_status` (tests, imports of old data) keep
    their figures from the scores."""
    counted = _figures(round_results(open_round))
    open_round.status = "closed"
    db.session.commit()
    _cold(app)
    assert _figures(round_results(db.session.get(ScoringRound, open_round.id))) == (
        counted
    )


def test_the_migration_tallies_rounds_closed_before_it(app, open_round):
    spec = importlib.util.spec_from_file_location(
        "round_tally_migration", ROOT / "migrations" / "versions" / "round_tally.py"
    )
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    open_round.status = "closed"
    db.session.commit()
    db.session.execute(text(migration.TALLY))
    db.session.execute(text(migration.RESPONDENTS))
    db.session.commit()
    _cold(app)
    assert _tally(open_round.id) == _from_scores(open_round.id)


def test_the_benchmark_data_tallies_its_closed_rounds(app):
    from bench.data import SCALES, generate

    generate(SCALES["midwest"], anchor=date(2026, 6, 1))
    rounds = db.session.scalars(select(ScoringRound)).all()
    assert rounds and all(r.status == "closed" for r in rounds)
    for r in rounds:
        assert _tally(r.id) == _from_scores(r.id)
