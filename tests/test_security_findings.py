"""Regression tests for the second audit (issue 12): reflected markup, open
redirects, remember-me against the idle timeout, HSTS, the calendar token."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.strategy.models import Score
from tests import factories

MARKUP = "<b>bold</b>"
ESCAPED = "&lt;b&gt;bold&lt;/b&gt;"


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(app, tmp_path):
    app.config["SCORE_IMPORT_FOLDER"] = str(tmp_path / "score-imports")
    izegem = factories.municipality("Izegem")
    thread = factories.thread(code="RD01")
    scoring_round = factories.scoring_round(threads=[thread], status="open")
    db.session.commit()
    return {"izegem": izegem, "thread": thread, "round": scoring_round}


# --- finding 3: user input never comes back as markup ------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_markup_in_a_score_comes_back_escaped(login_as, world, htmx):
    client = login_as("municipality", municipality=world["izegem"], language="en")
    ids = (world["round"].id, world["thread"].id, world["izegem"].id)
    url = "/rounds/{}/scores/{}/{}".format(*ids)
    response = client.form(url, {"value": MARKUP}, htmx=htmx)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert MARKUP not in html
    assert f"{ESCAPED} is not a score from 0 to 10." in html
    assert db.session.scalar(select(Score.id)) is None


@pytest.mark.parametrize(
    "rows",
    [
        [("Code", "Thread", MARKUP), ("RD01", "", 5)],  # unknown municipality
        [("Code", "Thread", "Izegem"), (MARKUP, "", 5)],  # unknown thread code
        [("Code", "Thread", "Izegem"), ("RD01", "", MARKUP)],  # not a score
    ],
    ids=["municipality", "thread code", "score"],
)
def test_markup_in_an_imported_workbook_comes_back_escaped(login_as, world, rows):
    client = login_as("coordinator", language="en")
    response = client.form(
        "/imports/scores",
        {
            "round_id": str(world["round"].id),
            "file": (io.BytesIO(xlsx(rows)), "scores.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert MARKUP not in html
    assert ESCAPED in html
    assert db.session.scalar(select(Score.id)) is None


def test_a_status_move_error_is_a_plain_string_escaped_by_jinja(app):
    """The refused status is echoed (as its label, or as itself when unknown)."""
    from app.subsidies.dossiers import check_move

    application = factories.application(status="rejected")
    db.session.commit()
    with app.test_request_context():
        errors = check_move(application, MARKUP, {}, confirm=False)
    message = errors["status"]
    assert not hasattr(message, "__html__")  # a lazy string would skip escaping
    assert MARKUP in message
