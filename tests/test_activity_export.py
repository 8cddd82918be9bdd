"""Issue 26 item 8: the activity log as an Excel download with its filters,
reopened with openpyxl and read cell by cell, for each role."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from app.activity.log import record
from app.activity.models import Activity
from app.auth import permissions
from app.extensions import db
from app.formatting import DATETIME_FORMAT
from tests import factories

SECRET_DOSSIER = "Geheim dossier van Izegem"


@pytest.fixture
def world(app):
    izegem = factories.municipality("Izegem")
    tielt = factories.municipality("Tielt")
    people = {
        "coordinator": factories.user("coordinator", full_name="Cora Coördinator"),
        "izegem": factories.user("municipality", izegem, full_name="Ine Izegem"),
        "tielt": factories.user("municipality", tielt, full_name="Tom Tielt"),
        "viewer": factories.user("viewer"),
    }
    task = factories.task(title='=HYPERLINK("http://x")', municipality_id=izegem.id)
    dossier = factories.application(lead=izegem, title=SECRET_DOSSIER)
    thread = factories.thread(code="RD07", title="Glasvezel")
    db.session.flush()
    entries = [
        record(
            "update",
            task,
            {"status": ["todo", "in_progress"]},
            municipality_id=izegem.id,
            actor=people["izegem"],
        ),
        record("status", dossier, {"status": ["idea", "preparing"]},
               municipality_id=izegem.id, actor=people["coordinator"]),
        record("create", thread, actor=people["coordinator"]),
        record(
            "update",
            thread,
            {"title": ["Glas", "Glasvezel"]},
            actor=people["tielt"],
        ),
    ]  # fmt: skip
    # Fixed times, one per day (newest last), to filter on.
    start = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    for n, entry in enumerate(entries):
        entry.created_at = start + timedelta(days=n)
    db.session.commit()
    return {"thread": thread, **people}


def _sheet(response):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Cache-Control"] == "no-store"
    workbook = load_workbook(io.BytesIO(response.data))
    return workbook.worksheets[0]


def _rows(ws):
    return [[cell.value for cell in row] for row in ws.iter_rows(min_row=2)]


def test_the_coordinator_downloads_every_entry_styled(world, login_as):
    ws = _sheet(login_as(world["coordinator"]).get("/exports/activity.xlsx"))
    assert ws.title == "Activiteit"
    assert [c.value for c in ws[1]] == [
        "Wanneer",
        "Wie",
        "Wat",
        "Object",
        "Wat er gebeurde",
        "Gemeente",
        "Wijzigingen",
    ]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G5"
    rows = _rows(ws)
    assert len(rows) == 4
    # Newest first, as on /activity; times as Excel dates in Brussels time.
    newest, *_rest, oldest = rows
    assert newest[0] == datetime(2026, 3, 5, 10, 30)
    assert ws["A2"].number_format == DATETIME_FORMAT
    assert newest[1] == "Tom Tielt"
    assert newest[2] == "Rode draad"
    assert newest[3] == "RD07 Glasvezel"
    assert newest[6] == "Titel: Glas → Glasvezel"
    assert oldest[1] == "Ine Izegem" and oldest[5] == "Izegem"
    # A task title that looks like a formula is text, never a formula.
    assert oldest[3] == '=HYPERLINK("http://x")'
    assert ws["D5"].data_type == "s"
    dossier_row = rows[2]
    assert dossier_row[3] == SECRET_DOSSIER
    assert dossier_row[6].startswith("Status: ")


def test_the_filters_of_the_log_apply(world, login_as):
    client = login_as(world["coordinator"])
    page = client.get(
        f"/activity?kind=thread&who={world['tielt'].id}&from=2026-03-01&to=2026-03-31"
    ).get_data(as_text=True)
    assert (
        f"/exports/activity.xlsx?who={world['tielt'].id}&amp;kind=thread"
        "&amp;from=2026-03-01&amp;to=2026-03-31"
    ) in page
    url = (
        f"/exports/activity.xlsx?who={world['tielt'].id}&kind=thread"
        "&from=2026-03-01&to=2026-03-31"
    )
    rows = _rows(_sheet(client.get(url)))
    assert [r[1] for r in rows] == ["Tom Tielt"]
    rows = _rows(_sheet(client.get("/exports/activity.xlsx?from=2026-03-04")))
    assert [r[0].day for r in rows] == [5, 4]
    rows = _rows(
        _sheet(
            client.get(
                f"/exports/activity.xlsx?municipality={world['izegem'].municipality_id}"
            )
        )
    )
    assert {r[5] for r in rows} == {"Izegem"} and len(rows) == 2
    # A filter that is not valid is no filter (as on the page).
    assert len(_rows(_sheet(client.get("/exports/activity.xlsx?who=x&from=no")))) == 4


def test_a_municipality_downloads_only_what_it_may_read(world, login_as):
    rows = _rows(_sheet(login_as(world["tielt"]).get("/exports/activity.xlsx")))
    text = repr(rows)
    assert SECRET_DOSSIER not in text
    assert len(rows) == 3
    # The same entries as its /activity page shows.
    query = permissions.visible_activity(world["tielt"], db.select(Activity.id))
    assert len(db.session.scalars(query).all()) == 3


def test_the_dossiers_own_municipality_reads_its_entry(world, login_as):
    rows = _rows(_sheet(login_as(world["izegem"]).get("/exports/activity.xlsx")))
    assert SECRET_DOSSIER in repr(rows)


def test_a_viewer_gets_no_activity_workbook(world, login_as):
    response = login_as(world["viewer"]).get("/exports/activity.xlsx")
    assert response.status_code == 403


def test_english_headers_for_an_english_reader(world, login_as):
    world["coordinator"].language = "en"
    db.session.commit()
    ws = _sheet(login_as(world["coordinator"]).get("/exports/activity.xlsx"))
    assert ws.title == "Activity"
    assert ws["A1"].value == "When" and ws["E1"].value == "What happened"
