"""Strategy rules that hold (issue 17, item 8)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.strategy.models import Score
from tests import factories


def _row(html: str, code: str) -> str:
    start = html.index(f'data-thread="{code}"')
    return html[start : html.index("</tr>", start)]


def test_threads_show_the_latest_closed_round_that_asked_each_thread(login_as):
    today = clock.today()
    asked_early = factories.thread(code="RD11")
    asked_late = factories.thread(code="RD12")
    factories.thread(code="RD13")  # never asked
    m1, m2 = factories.municipality("Aa"), factories.municipality("Bb")
    early = factories.scoring_round(
        [asked_early, asked_late],
        status="closed",
        name="Spring round",
        opens_on=today - timedelta(days=90),
        closes_on=today - timedelta(days=60),
    )
    late = factories.scoring_round(
        [asked_late],
        status="closed",
        name="Autumn round",
        opens_on=today - timedelta(days=30),
        closes_on=today - timedelta(days=10),
    )
    factories.scoring_round([asked_early], status="open", name="Open round")
    factories.score(early, asked_early, m1, 6)
    factories.score(early, asked_early, m2, 9)
    factories.score(early, asked_late, m1, 2)
    factories.score(late, asked_late, m1, 8)
    factories.score(late, asked_late, m2, 4)
    db.session.commit()

    html = login_as("coordinator", language="en").get("/threads").get_data(True)

    # RD11 was not asked in the later round: its mean comes from the spring round
    assert "7.5" in _row(html, "RD11") and "Spring round" in _row(html, "RD11")
    assert "6.0" in _row(html, "RD12") and "Autumn round" in _row(html, "RD12")
    assert "data-round" not in _row(html, "RD13")


def test_a_comment_without_a_score_is_no_answer_with_a_comment(login_as):
    own = factories.municipality("Izegem")
    asked = factories.thread(code="RD21")
    open_round = factories.scoring_round([asked], status="open")
    db.session.commit()
    client = login_as("municipality", municipality=own, language="en")
    url = f"/rounds/{open_round.id}/scores/{asked.id}/{own.id}"

    response = client.htmx("POST", url, data={"value": "", "comment": "Unsure yet"})

    assert response.status_code == 200
    assert "No answer, with a comment" in response.get_data(as_text=True)
    score = db.session.scalar(select(Score).where(Score.round_id == open_round.id))
    assert (score.value, score.comment) == (None, "Unsure yet")
    assert "0 of 1 scored" in response.get_data(as_text=True)
    # an empty score without a comment is still refused
    empty = client.htmx("POST", url, data={"value": "", "comment": " "})
    assert empty.status_code == 422


def test_merged_municipalities_are_neither_asked_nor_counted_live(login_as):
    today = clock.today()
    active = factories.municipality("Tielt")
    merged = factories.municipality(
        "Meulebeke", merged_into_id=active.id, merged_on=today - timedelta(days=400)
    )
    asked = factories.thread(code="RD31")
    open_round = factories.scoring_round([asked], status="open", name="Now")
    factories.score(open_round, asked, merged, 5)  # an old row, before the merger
    theme = factories.theme(title="Digital counter")
    factories.rollout(theme, active, stage="live")
    factories.rollout(theme, merged, stage="live")
    db.session.commit()

    html = login_as("coordinator", language="en").get("/").get_data(as_text=True)

    assert "0 of 1 municipality answered every thread" in html
    start = html.index("Digital counter")
    row = html[start : html.index("</tr>", start)]
    assert row.rstrip().endswith("<td>1</td>")

    factories.score(open_round, asked, active, 8)
    db.session.commit()
    html = login_as("coordinator", language="en").get("/").get_data(as_text=True)
    assert "1 of 1 municipality answered every thread" in html


def test_deadlines_between_8_and_30_days_are_labelled_next_30_days(login_as):
    today = clock.today()
    factories.task(title="Far in the window", due_on=today + timedelta(days=25))
    db.session.commit()
    client = login_as("coordinator", language="nl")

    html = client.get("/deadlines").get_data(as_text=True)

    # 25 days ahead may fall in next calendar month: the label says what it means
    assert "Komende 30 dagen" in html and "Deze maand" not in html
    start = html.index("Komende 30 dagen", html.index('id="deadline-list"'))
    assert "Far in the window" in html[start:]
