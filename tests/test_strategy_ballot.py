"""Ballots: htmx save per score, 422 on invalid input, 403 for others' scores and
closed rounds, the coordinator's matrix and who may see individual scores."""

from datetime import date

import pytest
from sqlalchemy import select

from app.activity.models import Activity
from app.extensions import db
from app.strategy.models import Score
from tests import factories


@pytest.fixture
def world(app):
    own = factories.municipality("Izegem")
    other = factories.municipality("Tielt")
    merged = factories.municipality(
        "Meulebeke", merged_into_id=other.id, merged_on=date(2025, 1, 1)
    )
    threads = [factories.thread(code=f"RD{n:02d}") for n in range(1, 4)]
    open_round = factories.scoring_round(threads=threads, status="open")
    closed_round = factories.scoring_round(threads=threads, status="closed")
    factories.score(closed_round, threads[0], other, 9)
    factories.score(closed_round, threads[0], merged, 4)
    db.session.commit()
    return {
        "own": own,
        "other": other,
        "merged": merged,
        "threads": threads,
        "open": open_round,
        "closed": closed_round,
    }


def _url(r, thread, municipality):
    return f"/rounds/{r.id}/scores/{thread.id}/{municipality.id}"


def _scores():
    return db.session.execute(
        select(Score.round_id, Score.thread_id, Score.municipality_id, Score.value)
    ).all()


def test_a_score_saves_through_htmx_with_saved_state_and_progress(login_as, world):
    client = login_as("municipality", municipality=world["own"], language="en")
    thread = world["threads"][1]
    response = client.htmx(
        "POST",
        _url(world["open"], thread, world["own"]),
        data={"value": "7", "comment": "Graag"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    # The page's one live region (#announcer) reads the saved state out.
    assert '<span class="saved-state">Saved' in html
    assert 'id="ballot-progress"' in html and 'hx-swap-oob="true"' in html
    assert "1 of 3 scored" in html
    score = db.session.scalar(select(Score).where(Score.thread_id == thread.id))
    assert (score.value, score.comment, score.entered_by_id) == (
        7,
        "Graag",
        client.user.id,
    )
    entry = db.session.scalar(select(Activity).where(Activity.entity_type == "score"))
    assert entry.municipality_id == world["own"].id
    assert entry.changes["value"] == [None, 7]

    page = client.get(f"/rounds/{world['open'].id}").get_data(as_text=True)
    assert "1 of 3 scored" in page
    assert f'value="{7}"' in page


@pytest.mark.parametrize("value", ["11", "-1", "7.5", "abc", ""])
def test_an_invalid_score_answers_422_and_changes_nothing(login_as, world, value):
    client = login_as("municipality", municipality=world["own"], language="en")
    thread = world["threads"][0]
    factories.score(world["open"], thread, world["own"], 5)
    db.session.commit()
    before = _scores()
    response = client.htmx(
        "POST", _url(world["open"], thread, world["own"]), data={"value": value}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'aria-invalid="true"' in html
    assert "from 0 to 10" in html
    assert _scores() == before


def test_clearing_is_an_explicit_action(login_as, world):
    client = login_as("municipality", municipality=world["own"])
    thread = world["threads"][0]
    factories.score(world["open"], thread, world["own"], 5)
    db.session.commit()
    response = client.htmx(
        "POST", _url(world["open"], thread, world["own"]), data={"clear": "1"}
    )
    assert response.status_code == 200
    assert (
        db.session.scalar(select(Score.value).where(Score.round_id == world["open"].id))
        is None
    )


def test_a_plain_post_redirects_back_to_the_ballot(login_as, world):
    client = login_as("municipality", municipality=world["own"])
    response = client.form(
        _url(world["open"], world["threads"][0], world["own"]), {"value": "10"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/rounds/{world['open'].id}")


@pytest.mark.parametrize(
    ("round_key", "municipality_key"),
    [("open", "other"), ("closed", "own"), ("open", "merged")],
    ids=["another municipality", "closed round", "merged municipality"],
)
def test_forbidden_scores_answer_403_and_change_nothing(
    login_as, world, round_key, municipality_key
):
    if municipality_key == "merged":
        client = login_as("municipality", municipality=world["merged"])
    else:
        client = login_as("municipality", municipality=world["own"])
    before = _scores()
    response = client.htmx(
        "POST",
        _url(world[round_key], world["threads"][0], world[municipality_key]),
        data={"value": "8"},
    )
    assert response.status_code == 403
    assert _scores() == before


def test_viewer_and_lead_of_another_municipality_cannot_score(login_as, world):
    before = _scores()
    for role in ("viewer", "lead"):
        client = login_as(role)
        response = client.htmx(
            "POST",
            _url(world["open"], world["threads"][0], world["own"]),
            data={"value": "8"},
        )
        assert response.status_code == 403
    assert _scores() == before


def test_a_closed_round_shows_a_read_only_ballot(login_as, world):
    client = login_as("municipality", municipality=world["other"], language="en")
    html = client.get(f"/rounds/{world['closed'].id}").get_data(as_text=True)
    assert "data-read-only" in html
    assert "hx-post" not in html
    assert "score-9" in html  # its own old score


def test_merged_municipality_gets_no_ballot_in_a_new_round(login_as, world):
    client = login_as("municipality", municipality=world["merged"])
    html = client.get(f"/rounds/{world['open'].id}").get_data(as_text=True)
    assert "data-no-ballot" in html
    assert "hx-post" not in html


def test_the_coordinator_enters_a_score_on_behalf_of_a_municipality(login_as, world):
    client = login_as("coordinator", language="en")
    page = client.get(f"/rounds/{world['open'].id}?municipality={world['own'].id}")
    html = page.get_data(as_text=True)
    assert "on behalf of Izegem" in html
    response = client.htmx(
        "POST",
        _url(world["open"], world["threads"][2], world["own"]),
        data={"value": "3"},
    )
    assert response.status_code == 200
    score = db.session.scalar(select(Score).where(Score.round_id == world["open"].id))
    assert score.entered_by_id == client.user.id
    entry = db.session.scalar(select(Activity).where(Activity.entity_type == "score"))
    assert entry.details["on_behalf"] is True
    assert entry.actor_id == client.user.id
    log = client.get("/activity?kind=score").get_data(as_text=True)
    assert "saved on behalf of the municipality" in log


def test_only_the_coordinator_sees_the_matrix(login_as, world):
    url = f"/rounds/{world['closed'].id}"
    coordinator = login_as("coordinator", language="en")
    html = coordinator.get(url).get_data(as_text=True)
    assert "score-matrix" in html
    assert 'data-cell="RD01-tielt"' in html and 'data-cell="RD01-meulebeke"' in html
    assert "data-not-complete" in html
    for role in ("municipality", "lead", "viewer"):
        client = login_as(role)
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "score-matrix" not in html
        assert "data-cell" not in html


def test_results_are_hidden_while_a_round_is_open(login_as, world):
    for role, expected in (
        ("coordinator", 200),
        ("municipality", 403),
        ("lead", 403),
        ("viewer", 403),
    ):
        client = login_as(role)
        assert client.get(f"/rounds/{world['open'].id}/results").status_code == expected
        assert client.get(f"/rounds/{world['closed'].id}/results").status_code == 200


def test_draft_rounds_are_private_to_the_coordinator(login_as, world):
    draft = factories.scoring_round(threads=world["threads"], status="draft")
    db.session.commit()
    assert login_as("municipality").get(f"/rounds/{draft.id}").status_code == 404
    assert login_as("coordinator").get(f"/rounds/{draft.id}").status_code == 200


def test_ballot_page_loads_in_a_fixed_number_of_queries(
    app, login_as, world, page_queries
):
    client = login_as("coordinator")
    url = f"/rounds/{world['open'].id}"
    small = len(page_queries(client, url))
    for n in range(10):
        municipality = factories.municipality(f"Extra {n}")
        for thread in world["threads"]:
            factories.score(world["open"], thread, municipality, n % 11)
    db.session.commit()
    assert len(page_queries(client, url)) == small
