"""`flask seed-demo`: the real Midwest facts, and idempotent."""

from collections import Counter

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.models import (
    Application,
    Conversation,
    Municipality,
    Rollout,
    Score,
    ScoringRound,
    SubsidyCall,
    Task,
    Theme,
    Thread,
    ThreadMention,
    TrajectoryStep,
    WorkingGroup,
)
from app.strategy.models import round_thread
from app.subsidies.models import APPLICATION_STATUSES

COUNTED = [
    Municipality, User, TrajectoryStep, Thread, Conversation, ThreadMention,
    ScoringRound, Score, Theme, WorkingGroup, Task, Rollout, SubsidyCall, Application,
]  # fmt: skip


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in COUNTED
    }


def test_seed_twice_leaves_the_same_rows(demo_app):
    before = _counts()
    result = demo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "nothing added" in result.output
    assert "coordinator@midwest.example" in result.output
    assert _counts() == before


def test_seed_prints_logins_and_password(app, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a demo password here")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "a demo password here" in result.output
    for email in ("coordinator@", "lead@", "roeselare@", "viewer@"):
        assert email + "midwest.example" in result.output


def test_the_real_midwest_facts(demo_app):
    counts = _counts()
    assert counts["Municipality"] == 16
    assert counts["Thread"] == 21
    assert counts["Theme"] == 3
    assert counts["TrajectoryStep"] == 5
    assert counts["User"] == 16 + 3
    merged = dict(
        db.session.execute(
            select(Municipality.slug, Municipality.merged_on).where(
                Municipality.merged_into_id.is_not(None)
            )
        ).all()
    )
    assert set(merged) == {"ruiselede", "meulebeke"}
    assert {str(d) for d in merged.values()} == {"2025-01-01"}
    assert (
        db.session.scalar(select(Municipality.name).where(Municipality.is_central_city))
        == "Roeselare"
    )
    titles = set(db.session.scalars(select(Theme.title)))
    assert titles == {
        "ICT klankbord en strategie",
        "Vendormanagement",
        "Verhogen digitale geletterdheid",
    }
    lead = db.session.scalar(select(User).where(User.email == "lead@midwest.example"))
    assert lead.role == "lead" and lead.municipality.name == "Roeselare"


def test_every_thread_qualifies_with_five_municipalities(demo_app):
    rows = db.session.execute(
        select(
            ThreadMention.thread_id,
            func.count(func.distinct(Conversation.municipality_id)),
        )
        .join(Conversation)
        .group_by(ThreadMention.thread_id)
    ).all()
    assert len(rows) == 21
    assert min(n for _, n in rows) >= 5


def test_may_2021_round_is_closed_and_complete(demo_app):
    may = db.session.scalar(
        select(ScoringRound).where(ScoringRound.name.contains("mei 2021"))
    )
    assert may.status == "closed"
    assert str(may.opens_on).startswith("2021-05")
    threads = db.session.scalar(
        select(func.count())
        .select_from(round_thread)
        .where(round_thread.c.round_id == may.id)
    )
    scores = db.session.scalar(
        select(func.count(Score.id)).where(Score.round_id == may.id)
    )
    assert threads == 21
    assert scores == 21 * 16


def test_applications_in_every_status_and_real_dossiers(demo_app):
    statuses = Counter(db.session.scalars(select(Application.status)))
    assert set(statuses) == set(APPLICATION_STATUSES)
    einclusie = db.session.scalars(
        select(Application).where(Application.reference.like("EINCL-2021-%"))
    ).all()
    assert {a.lead_municipality.name for a in einclusie} == {"Oostrozebeke", "Izegem"}
    assert all(a.granted_amount == 200000 for a in einclusie)
    call = db.session.scalar(
        select(SubsidyCall).where(SubsidyCall.title.like("E-inclusie 2022%"))
    )
    assert call.budget == 25000000
    assert call.deadline_at.isoformat() == "2022-09-26T10:00:00+00:00"  # 12:00 Brussels


def test_tasks_spread_over_past_and_future(demo_app):
    from app.clock import today

    due = list(db.session.scalars(select(Task.due_on)))
    assert any(d < today() for d in due) and any(d > today() for d in due)
