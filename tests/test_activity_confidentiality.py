"""Issue 12 finding 1: individual scores never leak through the activity log.

A municipality never reads another municipality's individual scores, neither in
/activity (any filter, fragment included) nor in the recent activity of the round
or thread page, during an open round and after it closed, whichever way the scores
came in: a ballot save, "no answer", a web import or the import-scores command.
Coordinators read them all; a municipality reads its own.
"""

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.activity.models import Activity
from app.auth import permissions
from app.extensions import db
from tests import factories
from tests.conftest import Client, sign_in_session

# Izegem: RD01 5 → 8, RD02 — → 0; Tielt: RD02 — → 10, RD03 — → 7.
ROWS = [
    ("Code", "Thread", "Izegem", "Tielt"),
    ("RD01", "", 8, None),
    ("RD02", "", 0, 10),
    ("RD03", "", None, 7),
]
TIELT_SECRET = "Tielts geheim"
# What only those who may read Tielt's scores may see.
TIELT_MARKS = ("Tielt", "→ 10", "→ 7", TIELT_SECRET)


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(app):
    izegem = factories.municipality("Izegem")
    tielt = factories.municipality("Tielt")
    threads = [
        factories.thread(code=f"RD{n:02d}", title=f"Draad {n}") for n in (1, 2, 3)
    ]
    scoring_round = factories.scoring_round(
        threads=threads, status="open", name="Ronde 2026"
    )
    factories.score(scoring_round, threads[0], izegem, 5)
    people = {
        "coordinator": factories.user("coordinator", language="en"),
        "municipality": factories.user("municipality", izegem, language="en"),
        "lead": factories.user("lead", izegem, language="en"),
        "viewer": factories.user("viewer", language="en"),
        "tielt": factories.user("municipality", tielt, language="en"),
    }
    db.session.commit()
    return {
        "izegem": izegem,
        "tielt": tielt,
        "threads": threads,
        "round": scoring_round,
        "people": people,
    }


def _client(app, user):
    app.test_client_class = Client
    return sign_in_session(app.test_client(), user)


def _web_import(app, world):
    coordinator = _client(app, world["people"]["coordinator"])
    response = coordinator.form(
        "/imports/scores",
        {
            "round_id": str(world["round"].id),
            "file": (io.BytesIO(_xlsx(ROWS)), "scores.xlsx"),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    applied = coordinator.form("/imports/scores/apply", {"token": token})
    assert applied.status_code == 303


def _cli_import(app, world, tmp_path):
    path = tmp_path / "scores.xlsx"
    path.write_bytes(_xlsx(ROWS))
    result = app.test_cli_runner().invoke(
        args=["import-scores", str(path), "--round", str(world["round"].id)]
    )
    assert result.exit_code == 0, result.output


def _ballot(app, world):
    """Tielt saves RD01 with a comment, then answers "no answer" on RD03."""
    tielt = _client(app, world["people"]["tielt"])
    base = f"/rounds/{world['round'].id}/scores"
    rd01, _rd02, rd03 = world["threads"]
    saved = tielt.htmx(
        "POST",
        f"{base}/{rd01.id}/{world['tielt'].id}",
        data={"value": "10", "comment": TIELT_SECRET},
    )
    cleared = tielt.htmx(
        "POST", f"{base}/{rd03.id}/{world['tielt'].id}", data={"clear": "1"}
    )
    assert (saved.status_code, cleared.status_code) == (200, 200)


def _import_and_ballot(app, world, tmp_path, how):
    if how == "web":
        _web_import(app, world)
    elif how == "cli":
        _cli_import(app, world, tmp_path)
    else:
        _ballot(app, world)


def _section(html: str, marker: str) -> str:
    """The part of a page from `marker` on (the activity list, not the filters)."""
    return html.split(marker, 1)[1].split("<footer")[0] if marker in html else ""


def _activity_views(client, world) -> list[str]:
    """Every view of the activity a user may open, reduced to the entries."""
    urls = [
        "/activity",
        "/activity?kind=score",
        "/activity?kind=scoring_round",
        f"/activity?municipality={world['tielt'].id}",
    ]
    views = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        views.append(_section(response.get_data(as_text=True), 'id="activity-list"'))
    fragment = client.htmx("GET", "/activity?kind=score")
    views.append(fragment.get_data(as_text=True))
    return views + _object_views(client, world)


def _object_views(client, world) -> list[str]:
    views = []
    for url in [f"/rounds/{world['round'].id}"] + [
        f"/threads/{thread.id}" for thread in world["threads"]
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        views.append(_section(page, 'id="recent-activity"').split("</section>")[0])
    return views


def _close(app, world):
    coordinator = _client(app, world["people"]["coordinator"])
    response = coordinator.form(
        f"/rounds/{world['round'].id}/status", {"status": "closed"}
    )
    assert response.status_code in (200, 303)


@pytest.mark.parametrize("how", ["web", "cli", "ballot"])
@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("role", ["municipality", "lead"])
def test_another_municipality_never_reads_tielts_scores(
    app, world, tmp_path, how, closed, role
):
    _import_and_ballot(app, world, tmp_path, how)
    if closed:
        _close(app, world)
    reader = _client(app, world["people"][role])
    views = _activity_views(reader, world)
    for view in views:
        for mark in TIELT_MARKS:
            assert mark not in view, (how, mark, view[:2000])
    everything = "\n".join(views)
    if closed:  # it does read the round's regional activity
        assert "Scoring round “Ronde 2026” is now Closed" in everything
    if how != "ballot":
        # the regional entry says how many, and Izegem reads its own scores
        assert "4 scores imported into “Ronde 2026”" in everything
        assert "RD01: 5 → 8" in everything


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_a_viewer_reads_no_individual_score(app, world, tmp_path, closed):
    _web_import(app, world)
    _ballot(app, world)
    if closed:
        _close(app, world)
    viewer = _client(app, world["people"]["viewer"])
    assert viewer.get("/activity").status_code == 403
    for view in _object_views(viewer, world):
        for mark in (*TIELT_MARKS, "→ 8"):
            assert mark not in view


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_the_coordinator_reads_every_municipalitys_scores(app, world, tmp_path, closed):
    _web_import(app, world)
    _ballot(app, world)
    if closed:
        _close(app, world)
    coordinator = _client(app, world["people"]["coordinator"])
    log = "\n".join(_activity_views(coordinator, world))
    assert "2 scores of Tielt imported into “Ronde 2026”" in log
    assert "RD02: — → 10" in log and "RD01: 5 → 8" in log
    assert "Score RD01 – Tielt in “Ronde 2026” saved" in log
    assert TIELT_SECRET in log
    # the round page's recent activity names each municipality's import too
    round_page = _object_views(coordinator, world)[0]
    assert "2 scores of Tielt imported" in round_page


def test_tielt_reads_its_own_scores(app, world, tmp_path):
    _web_import(app, world)
    _ballot(app, world)
    tielt = _client(app, world["people"]["tielt"])
    log = "\n".join(_activity_views(tielt, world))
    assert "RD02: — → 10" in log and TIELT_SECRET in log
    assert "Izegem" not in log and "5 → 8" not in log


def test_no_regional_entry_holds_individual_values(app, world, tmp_path):
    """What is stored, whatever renders it: an entry readable by every role
    carries no score, and each score entry names its one municipality."""
    _web_import(app, world)
    _cli_import(app, world, tmp_path)
    _ballot(app, world)
    entries = db.session.scalars(select(Activity)).all()
    for entry in entries:
        holds_scores = entry.entity_type == "score" or (
            entry.action == "import" and entry.changes
        )
        if holds_scores:
            assert entry.audience == permissions.AUDIENCE_MUNICIPALITY
            assert entry.municipality_id is not None
        if entry.audience == permissions.AUDIENCE_REGIONAL:
            assert entry.entity_type != "score"
            assert entry.action != "import" or entry.changes == {}
    assert any(e.audience == permissions.AUDIENCE_REGIONAL for e in entries)
