"""The database itself refuses invalid rows, whatever the code above it does."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError

from app.auth.models import User
from app.extensions import db
from app.municipalities.models import Municipality
from tests import factories


def _violates(statement: str, **params) -> None:
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement), params)
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def world(app):
    izegem = factories.municipality("Izegem")
    thread = factories.thread()
    scoring_round = factories.scoring_round([thread])
    task = factories.task()
    db.session.commit()
    return {"m": izegem, "thread": thread, "round": scoring_round, "task": task}


@pytest.mark.parametrize("value", [-1, 11, 100])
def test_score_outside_0_to_10_is_refused(world, value):
    _violates(
        "INSERT INTO score (round_id, thread_id, municipality_id, value, comment, "
        "entered_at) VALUES (:r, :t, :m, :v, '', CURRENT_TIMESTAMP)",
        r=world["round"].id,
        t=world["thread"].id,
        m=world["m"].id,
        v=value,
    )


def test_score_unique_per_round_thread_municipality(world):
    factories.score(world["round"], world["thread"], world["m"], 5)
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.score(world["round"], world["thread"], world["m"], 6)
    db.session.rollback()


@pytest.mark.parametrize(
    ("status", "progress"), [("todo", 101), ("todo", -1), ("done", 50)]
)
def test_task_progress_range_and_done_is_complete(world, status, progress):
    _violates(
        "UPDATE task SET status = :s, progress = :p WHERE id = :id",
        s=status,
        p=progress,
        id=world["task"].id,
    )


def test_unknown_status_is_refused(world):
    _violates("UPDATE task SET status = 'lost' WHERE id = :id", id=world["task"].id)


def test_foreign_keys_are_enforced(world):
    _violates(
        "UPDATE task SET assignee_id = 999999 WHERE id = :id", id=world["task"].id
    )


def test_email_unique_and_lowercase(world):
    factories.user(role="viewer", email="a@example.org")
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.user(role="viewer", email="a@example.org")
    db.session.rollback()
    with pytest.raises(IntegrityError):
        factories.user(role="viewer", email="Upper@Example.org")
    db.session.rollback()


def test_municipal_role_needs_a_municipality(world):
    user = User(email="x@example.org", full_name="X", role="lead", password_hash="x")
    db.session.add(user)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("code", ["123", "123456"])
def test_nis_code_has_five_digits(world, code):
    db.session.add(Municipality(name="Nieuw", slug="nieuw", nis_code=code))
    # SQLite: the CHECK constraint; PostgreSQL refuses the overlong value first.
    with pytest.raises((IntegrityError, DataError)):
        db.session.flush()
    db.session.rollback()


def test_merge_needs_a_date(world):
    other = factories.municipality("Tielt")
    db.session.commit()
    world["m"].merged_into_id = other.id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    world["m"].merged_into_id = other.id
    world["m"].merged_on = date(2025, 1, 1)
    db.session.flush()
    assert not world["m"].is_active


def test_round_closes_after_it_opens(world):
    _violates(
        "UPDATE scoring_round SET closes_on = '2020-01-01', opens_on = '2020-02-01' "
        "WHERE id = :id",
        id=world["round"].id,
    )
