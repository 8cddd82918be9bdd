"""Trajectory, talks, threads, rounds (create, open, close) and promotion."""

from datetime import date

from sqlalchemy import func, select

from app.activity.models import Activity
from app.extensions import db
from app.strategy.models import (
    Conversation,
    ScoringRound,
    Thread,
    ThreadMention,
    TrajectoryStep,
)
from app.work.models import Rollout, Theme
from tests import factories


def _activities(action: str | None = None) -> list[Activity]:
    query = select(Activity).order_by(Activity.id)
    if action:
        query = query.where(Activity.action == action)
    return list(db.session.scalars(query))


def test_the_coordinator_edits_a_trajectory_step_inline(login_as):
    step = TrajectoryStep(position=1, title="Discussienota", period="najaar 2020")
    db.session.add(step)
    db.session.commit()
    client = login_as("coordinator")
    data = {
        f"step{step.id}-title": "Discussienota",
        f"step{step.id}-period": "najaar 2020",
        f"step{step.id}-description": "Besproken op de fora.",
        f"step{step.id}-status": "done",
    }
    response = client.htmx("POST", f"/trajectory/steps/{step.id}", data=data)
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    db.session.refresh(step)
    assert (step.status, step.description) == ("done", "Besproken op de fora.")
    assert _activities("update")[-1].changes["status"] == ["planned", "done"]

    data[f"step{step.id}-period"] = ""
    invalid = client.htmx("POST", f"/trajectory/steps/{step.id}", data=data)
    assert invalid.status_code == 422
    db.session.refresh(step)
    assert step.period == "najaar 2020"

    other = login_as("municipality")
    assert (
        other.htmx("POST", f"/trajectory/steps/{step.id}", data=data).status_code == 403
    )
    assert other.get("/trajectory").status_code == 200


def test_a_recorded_talk_counts_towards_qualification(app, login_as):
    municipalities = [factories.municipality(f"M{i}") for i in range(5)]
    popular = factories.thread(code="RD01")
    rare = factories.thread(code="RD02")
    for m in municipalities[:4]:
        factories.talk(m, [popular, rare])
    factories.talk(municipalities[0], [popular, rare])  # the same one twice
    db.session.commit()
    client = login_as("coordinator", language="en")

    def row(code: str) -> str:
        html = client.get("/threads").get_data(as_text=True)
        start = html.index(f'data-thread="{code}"')
        return html[start : html.index("</tr>", start)]

    assert 'data-municipalities="4"' in row("RD01")
    assert "data-qualifies" not in row("RD01")

    response = client.form(
        "/talks/new",
        {
            "municipality_id": str(municipalities[4].id),
            "held_on": "2021-03-15",
            "delegation": "Burgemeester en ICT-schepen",
            "notes": "Veel interesse.",
            "thread_ids": [str(popular.id)],
        },
    )
    assert response.status_code == 303
    talk = db.session.scalar(
        select(Conversation).where(Conversation.municipality_id == municipalities[4].id)
    )
    assert [m.thread_id for m in talk.mentions] == [popular.id]
    assert talk.created_by_id == client.user.id
    entry = _activities("create")[-1]
    assert entry.entity_type == "conversation"
    assert entry.municipality_id == municipalities[4].id
    assert 'data-municipalities="5"' in row("RD01") and "data-qualifies" in row("RD01")
    assert "data-qualifies" not in row("RD02")

    detail = client.get(f"/threads/{popular.id}").get_data(as_text=True)
    assert detail.count("data-municipality=") == 5


def test_a_talk_needs_a_date_and_only_the_coordinator_records_one(login_as):
    municipality = factories.municipality("Pittem")
    db.session.commit()
    client = login_as("coordinator", language="en")
    response = client.form(
        "/talks/new", {"municipality_id": str(municipality.id), "held_on": "morgen"}
    )
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    municipal = login_as("municipality")
    data = {"municipality_id": str(municipality.id), "held_on": "2021-03-01"}
    assert municipal.form("/talks/new", data).status_code == 403
    assert db.session.scalar(select(func.count(Conversation.id))) == 0


def test_editing_a_talk_changes_its_threads(login_as):
    municipality = factories.municipality("Staden")
    one, two = factories.thread(code="RD01"), factories.thread(code="RD02")
    talk = factories.talk(municipality, [one], held_on=date(2021, 3, 1))
    db.session.commit()
    client = login_as("coordinator")
    response = client.form(
        f"/talks/{talk.id}/edit",
        {
            "municipality_id": str(municipality.id),
            "held_on": "2021-03-01",
            "thread_ids": [str(two.id)],
        },
    )
    assert response.status_code == 303
    mentions = db.session.scalars(select(ThreadMention.thread_id)).all()
    assert mentions == [two.id]
    assert _activities("update")[-1].changes["threads"] == ["RD01", "RD02"]


def test_the_coordinator_creates_opens_and_closes_a_round(login_as):
    threads = [factories.thread(code=f"RD0{n}") for n in (1, 2)]
    db.session.commit()
    client = login_as("coordinator")
    response = client.form(
        "/rounds/new",
        {
            "name": "Bevraging 2027",
            "opens_on": "2027-05-01",
            "closes_on": "2027-05-31",
            "thread_ids": [str(threads[0].id)],
        },
    )
    assert response.status_code == 303
    r = db.session.scalar(select(ScoringRound))
    assert (r.status, [t.code for t in r.threads]) == ("draft", ["RD01"])

    for status in ("open", "closed"):
        answer = client.form(f"/rounds/{r.id}/status", {"status": status})
        assert answer.status_code == 303
        db.session.refresh(r)
        assert r.status == status
    assert [e.changes["status"] for e in _activities("status")] == [
        ["draft", "open"],
        ["open", "closed"],
    ]
    # no way back, and a closed round cannot be edited
    assert client.form(f"/rounds/{r.id}/status", {"status": "open"}).status_code == 409
    assert client.get(f"/rounds/{r.id}/edit").status_code == 409
    db.session.refresh(r)
    assert r.status == "closed"


def test_a_round_closing_before_it_opens_is_invalid(login_as):
    thread = factories.thread()
    db.session.commit()
    client = login_as("coordinator")
    response = client.form(
        "/rounds/new",
        {
            "name": "Fout",
            "opens_on": "2027-05-31",
            "closes_on": "2027-05-01",
            "thread_ids": [str(thread.id)],
        },
    )
    assert response.status_code == 422
    no_threads = client.form(
        "/rounds/new",
        {"name": "Leeg", "opens_on": "2027-05-01", "closes_on": "2027-05-31"},
    )
    assert no_threads.status_code == 422
    assert db.session.scalar(select(func.count(ScoringRound.id))) == 0
    assert login_as("lead").form("/rounds/new", {}).status_code == 403


def test_promotion_creates_theme_and_rollout_rows_once(login_as):
    active = [factories.municipality(f"Actief {i}") for i in range(3)]
    factories.municipality(
        "Weg", merged_into_id=active[0].id, merged_on=date(2025, 1, 1)
    )
    thread = factories.thread(code="RD04", title="ICT klankbord", description="Samen")
    r = factories.scoring_round(threads=[thread], status="closed")
    factories.score(r, thread, active[0], 9)
    db.session.commit()
    url = f"/rounds/{r.id}/threads/{thread.id}/promote"

    municipal = login_as("municipality", municipality=active[1])
    assert municipal.form(url).status_code == 403
    assert db.session.scalar(select(func.count(Theme.id))) == 0

    client = login_as("coordinator")
    assert client.form(url).status_code == 303
    theme = db.session.scalar(select(Theme))
    assert (theme.title, theme.status, theme.origin_thread_id) == (
        "ICT klankbord",
        "active",
        thread.id,
    )
    db.session.refresh(thread)
    assert thread.status == "selected"
    rollouts = db.session.scalars(select(Rollout)).all()
    assert sorted(x.municipality_id for x in rollouts) == sorted(m.id for m in active)
    assert {x.stage for x in rollouts} == {"not_started"}
    assert _activities("promote")[0].entity_id == theme.id

    again = client.form(url)
    assert again.status_code == 409
    assert db.session.scalar(select(func.count(Theme.id))) == 1
    assert db.session.scalar(select(func.count(Rollout.id))) == 3


def test_thread_page_shows_scores_history_per_round(login_as):
    municipality = factories.municipality("Ardooie")
    thread = factories.thread(code="RD05")
    closed = factories.scoring_round(threads=[thread], status="closed")
    running = factories.scoring_round(threads=[thread], status="open")
    factories.score(closed, thread, municipality, 6)
    db.session.commit()
    viewer = login_as("viewer").get(f"/threads/{thread.id}").get_data(as_text=True)
    assert f'data-round="{closed.id}"' in viewer
    assert f'data-round="{running.id}"' not in viewer  # aggregates after closing
    coordinator = login_as("coordinator").get(f"/threads/{thread.id}")
    assert f'data-round="{running.id}"' in coordinator.get_data(as_text=True)


def test_the_coordinator_adds_and_edits_threads(login_as):
    client = login_as("coordinator")
    data = {"new-code": "RD22", "new-title": "Nieuw", "new-status": "candidate"}
    assert client.form("/threads", data).status_code == 303
    assert client.form("/threads", data).status_code == 422  # code taken
    thread = db.session.scalar(select(Thread))
    response = client.form(
        f"/threads/{thread.id}",
        {"edit-code": "RD22", "edit-title": "Nieuw", "edit-status": "parked"},
    )
    assert response.status_code == 303
    db.session.refresh(thread)
    assert thread.status == "parked"
    assert login_as("viewer").form("/threads", data).status_code == 403
