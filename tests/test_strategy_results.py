"""The results of a round: one function, hand-checked figures, bounded queries."""

import io
import math
from datetime import date

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.municipalities.models import Municipality
from app.strategy.models import Score, ScoringRound, Thread, round_thread
from app.strategy.results import round_results
from tests import factories


@pytest.fixture
def example(app):
    """Four active municipalities, one merged (with old scores), seven threads."""
    a, b, c, d = (factories.municipality(n) for n in ("A", "B", "C", "D"))
    merged = factories.municipality(
        "M", merged_into_id=a.id, merged_on=date(2025, 1, 1)
    )
    t = {n: factories.thread(code=f"T{n}") for n in range(1, 8)}
    other = factories.thread(code="OTHER")
    r = factories.scoring_round(threads=t.values(), status="closed")
    table = {
        1: {a: 8, b: 6, merged: 10, c: None},  # c answered "no answer"
        2: {a: 9, b: 7, c: 8},
        3: {a: 10, b: 6, c: 8, d: 8},
        4: {d: None},  # nobody scored thread 4
        5: {a: 9, b: 9, d: 6},
        6: {b: 10, c: 8, d: 6},
        7: {a: 5},
    }
    for n, values in table.items():
        for municipality, value in values.items():
            factories.score(r, t[n], municipality, value)
    factories.score(r, other, a, 0)  # not asked in this round: ignored
    db.session.commit()
    return r, t


def test_results_on_a_hand_computed_example(example):
    r, t = example
    results = round_results(r)
    by_code = {x.thread.code: x for x in results.threads}

    one = by_code["T1"]  # 8, 6, 10 (the merged municipality counts: history)
    assert one.responses == 3
    assert one.mean == 8.0
    assert one.median == 8.0
    assert (one.minimum, one.maximum) == (6, 10)
    assert one.stdev == pytest.approx(math.sqrt(8 / 3))
    assert one.high == 2
    assert one.share_high == pytest.approx(2 / 3)
    assert one.broadly_supported is True  # exactly 2/3 is enough

    assert by_code["T3"].share_high == 0.75
    assert by_code["T7"].broadly_supported is False
    nobody = by_code["T4"]
    assert nobody.responses == 0
    assert nobody.mean is None and nobody.rank is None
    assert nobody.share_high is None and nobody.broadly_supported is False

    # All of T1, T2, T3, T5, T6 have mean 8: share decides, then the median;
    # T1 and T6 are equal on all three and share rank 4. T4 comes last.
    ranks = [(x.thread.code, x.rank) for x in results.threads]
    assert ranks == [
        ("T2", 1),  # share 1.0
        ("T3", 2),  # share 0.75
        ("T5", 3),  # share 2/3, median 9
        ("T1", 4),  # share 2/3, median 8
        ("T6", 4),  # the same figures as T1
        ("T7", 6),  # mean 5
        ("T4", None),  # nobody scored it
    ]
    assert results.respondents == 5  # A, B, C, D and the merged M


def test_thresholds_come_from_the_config(app, example):
    r, _t = example
    app.config["SCORE_HIGH"] = 9
    app.config["SCORE_MAJORITY"] = 0.5
    by_code = {x.thread.code: x for x in round_results(r).threads}
    assert by_code["T5"].share_high == pytest.approx(2 / 3)  # 9, 9, 6
    assert by_code["T5"].broadly_supported is True
    assert by_code["T1"].broadly_supported is False  # only the 10


def test_results_of_300_municipalities_and_100_threads_in_bounded_queries(
    app, page_queries
):
    municipalities = db.session.scalars(
        insert(Municipality).returning(Municipality.id),
        [{"name": f"Gemeente {i}", "slug": f"gemeente-{i}"} for i in range(300)],
    ).all()
    threads = db.session.scalars(
        insert(Thread).returning(Thread.id),
        [{"code": f"RD{i:03d}", "title": f"Draad {i}"} for i in range(100)],
    ).all()
    r = factories.scoring_round(status="closed")
    db.session.execute(
        insert(round_thread), [{"round_id": r.id, "thread_id": t} for t in threads]
    )
    db.session.execute(
        insert(Score),
        [
            {
                "round_id": r.id,
                "thread_id": t,
                "municipality_id": m,
                "value": (t + m) % 11,
            }
            for t in threads
            for m in municipalities
        ],
    )
    db.session.commit()
    db.session.expire_all()
    scoring_round = db.session.get(ScoringRound, r.id)

    with page_queries.counting() as log:
        results = round_results(scoring_round)
    assert len(log) <= 3
    assert len(results.threads) == 100
    assert all(x.responses == 300 for x in results.threads)
    assert [x.rank for x in results.threads][0] == 1


def test_the_three_real_themes_rank_top_three_in_the_2021_round(demo_app):
    r = db.session.scalar(
        select(ScoringRound).where(ScoringRound.name.like("%mei 2021%"))
    )
    results = round_results(r)
    top = {x.thread.code for x in results.threads if x.rank is not None and x.rank <= 3}
    assert top == {"RD04", "RD09", "RD15"}
    assert all(x.broadly_supported for x in results.threads[:3])
    assert results.respondents == 16


# --- the small-number rule (issue 24 item 14) ---------------------------------------


@pytest.fixture
def sparse(app):
    """A closed round: T1 has one answer (9), T2 two (3 and 4), T3 three (5, 6, 7)."""
    a, b, c = (factories.municipality(n) for n in ("Aalter", "Brugge", "Damme"))
    t = {n: factories.thread(code=f"T{n}", title=f"Draad {n}") for n in (1, 2, 3)}
    r = factories.scoring_round(threads=t.values(), status="closed")
    for n, values in {1: {a: 9}, 2: {b: 3, c: 4}, 3: {a: 5, b: 6, c: 7}}.items():
        for municipality, value in values.items():
            factories.score(r, t[n], municipality, value)
    theme = factories.theme(title="Thema uit T1", origin_thread_id=t[1].id)
    db.session.commit()
    return {"round": r, "threads": t, "places": (a, b, c), "theme": theme}


def _readers(login_as, sparse):
    a, b, _c = sparse["places"]
    return {
        "viewer": lambda: login_as("viewer", language="en"),
        "municipality": lambda: login_as("municipality", municipality=a, language="en"),
        "lead": lambda: login_as("lead", municipality=b, language="en"),
    }


def test_for_reader_withholds_figures_of_fewer_than_3_answers(sparse):
    from app.strategy.results import for_reader

    viewer = factories.user(role="viewer")
    coordinator = factories.user(role="coordinator")
    full = round_results(sparse["round"])
    assert for_reader(full, coordinator) is full
    shown = {x.thread.code: x for x in for_reader(full, viewer).threads}
    for code in ("T1", "T2"):
        assert shown[code].withheld and shown[code].rank is None
        assert shown[code].mean is None and shown[code].maximum is None
        assert shown[code].share_high is None and not shown[code].broadly_supported
    assert shown["T3"].mean == 6 and shown["T3"].rank == 1  # ranked alone
    assert {x.thread.code: x.rank for x in full.threads}["T1"] == 1  # untouched


@pytest.mark.parametrize("role", ["viewer", "municipality", "lead"])
def test_results_page_and_exports_withhold_small_figures(login_as, sparse, role):
    client = _readers(login_as, sparse)[role]()
    r = sparse["round"]
    html = client.get(f"/rounds/{r.id}/results").get_data(as_text=True)
    assert html.count("data-withheld") == 2 and "fewer than 3" in html
    assert 'data-mean="9' not in html and 'data-mean="3.5' not in html
    assert 'data-mean="6' in html
    from openpyxl import load_workbook

    for url, title in (
        (f"/exports/scores-{r.id}.xlsx", "Results"),
        ("/exports/forum-report.xlsx", "Scores results"),
    ):
        book = load_workbook(io.BytesIO(client.get(url).data))
        rows = {row[1]: row for row in book[title].iter_rows(values_only=True)}
        assert rows["T3"][:5] == (1, "T3", "Draad 3", 3, 6)
        for code in ("T1", "T2"):
            assert rows[code][3] == "fewer than 3", url
            assert rows[code][0] is None and set(rows[code][4:]) == {None}, url
    thread = sparse["threads"][1]
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "data-withheld" in page and "9.0" not in page
    listing = client.get("/threads").get_data(as_text=True)
    assert "9.0" not in listing and "3.5" not in listing and "6.0" in listing
    theme = client.get(f"/themes/{sparse['theme'].id}").get_data(as_text=True)
    assert 'data-figure="score" data-withheld' in theme and "9.0" not in theme


def test_the_coordinator_sees_every_figure(login_as, sparse):
    client = login_as("coordinator", language="en")
    r = sparse["round"]
    html = client.get(f"/rounds/{r.id}/results").get_data(as_text=True)
    assert "data-withheld" not in html and 'data-mean="9' in html
    theme = client.get(f"/themes/{sparse['theme'].id}").get_data(as_text=True)
    assert "data-withheld" not in theme and "9.0" in theme


@pytest.mark.parametrize("role", ["viewer", "municipality", "coordinator"])
def test_the_api_withholds_small_figures(client, sparse, role):
    from app.api import tokens

    a = sparse["places"][0]
    user = factories.user(role=role, municipality=a)
    _row, raw = tokens.create_token(user, "test")
    db.session.commit()
    body = client.get(
        f"/api/v1/rounds/{sparse['round'].id}/results",
        headers={"Authorization": f"Bearer {raw}"},
    ).get_json()
    threads = {t["code"]: t for t in body["threads"]}
    hidden = role != "coordinator"
    for code in ("T1", "T2"):
        assert threads[code]["withheld"] is hidden
        assert (threads[code]["mean"] is None) is hidden
        assert (threads[code]["maximum"] is None) is hidden
    assert threads["T3"]["mean"] == 6 and not threads["T3"]["withheld"]
    if role == "municipality":  # its own score stays its own
        assert {s["code"]: s["value"] for s in body["own_scores"]} == {"T1": 9, "T3": 5}
