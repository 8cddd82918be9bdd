"""Score workbooks: template, import (preview, errors by cell, all-or-nothing,
hostile files), the import-scores command and the scores-<id> export."""

import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.activity.models import Activity
from app.extensions import db
from app.strategy.models import Score
from tests import factories


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_extra_part(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one more (or one replaced) part in its zip archive."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        target.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def world(app):
    izegem = factories.municipality("Izegem")
    tielt = factories.municipality("Tielt")
    merged = factories.municipality(
        "Meulebeke", merged_into_id=tielt.id, merged_on=date(2025, 1, 1)
    )
    threads = [
        factories.thread(code=f"RD{n:02d}", title=f"Draad {n}") for n in (1, 2, 3)
    ]
    outside = factories.thread(code="RD09")
    open_round = factories.scoring_round(threads=threads, status="open")
    factories.score(open_round, threads[0], izegem, 5)
    db.session.commit()
    return {
        "izegem": izegem,
        "tielt": tielt,
        "merged": merged,
        "threads": threads,
        "outside": outside,
        "round": open_round,
    }


def _state():
    return db.session.execute(
        select(Score.thread_id, Score.municipality_id, Score.value).order_by(Score.id)
    ).all()


def _upload(client, round_id, data, filename="scores.xlsx"):
    return client.form(
        "/imports/scores",
        {"round_id": str(round_id), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


GOOD = [
    ("Code", "Thread", "Izegem", "tielt"),
    ("RD01", "ignored", 8, None),
    ("RD02", "", 0, 10),
    ("rd03", "", None, 7),
]


def test_import_preview_then_apply_all_changes(login_as, world):
    client = login_as("coordinator", language="en")
    response = _upload(client, world["round"].id, xlsx(GOOD))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-import-error" not in html
    assert html.count("data-change=") == 4  # 5 → 8 and three new scores
    assert _state() == [(world["threads"][0].id, world["izegem"].id, 5)]  # unchanged

    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = client.form("/imports/scores/apply", {"token": token})
    assert response.status_code == 303
    values = {(t, m): v for t, m, v in _state()}
    t1, t2, t3 = (t.id for t in world["threads"])
    iz, ti = world["izegem"].id, world["tielt"].id
    assert values == {(t1, iz): 8, (t2, iz): 0, (t2, ti): 10, (t3, ti): 7}
    entries = db.session.scalars(
        select(Activity).where(Activity.action == "import").order_by(Activity.id)
    ).all()
    assert {entry.actor_id for entry in entries} == {client.user.id}
    regional, *own = entries
    # the regional entry counts; each municipality's scores are in its own entry
    assert (regional.audience, regional.changes) == ("regional", {})
    assert regional.details == {"count": 4, "filename": "scores.xlsx"}
    assert [(e.municipality_id, e.audience, e.changes) for e in own] == [
        (iz, "municipality", {"RD01": [5, 8], "RD02": [None, 0]}),
        (ti, "municipality", {"RD02": [None, 10], "RD03": [None, 7]}),
    ]

    # the preview is used up: applying it again changes nothing
    again = client.form("/imports/scores/apply", {"token": token})
    assert again.status_code == 422


def test_a_preview_is_bound_to_the_user_who_uploaded_it(app, login_as, world):
    first = login_as("coordinator")
    html = _upload(first, world["round"].id, xlsx(GOOD)).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    second = login_as("coordinator")
    assert second.form("/imports/scores/apply", {"token": token}).status_code == 422
    assert len(_state()) == 1


def test_an_import_is_stale_when_scores_changed_since_the_preview(login_as, world):
    client = login_as("coordinator")
    html = _upload(client, world["round"].id, xlsx(GOOD)).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    score = db.session.scalar(select(Score))
    score.value = 6
    db.session.commit()
    assert client.form("/imports/scores/apply", {"token": token}).status_code == 409
    assert _state() == [(world["threads"][0].id, world["izegem"].id, 6)]


BOMB = "\n".join(
    ["<!DOCTYPE lolz [", '<!ENTITY lol "lol">', '<!ENTITY lol2 "&lol;&lol;">', "]>"]
)


def _entity_bomb() -> bytes:
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + BOMB
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
        "</row></sheetData></worksheet>"
    )
    return with_extra_part(xlsx(GOOD), "xl/worksheets/sheet1.xml", sheet.encode())


def _zip_bomb() -> bytes:
    return with_extra_part(xlsx(GOOD), "xl/media/image1.bin", bytes(60 * 1024 * 1024))


BAD_FILES = {
    "not an xlsx": (b"Code;Thread;Izegem\nRD01;x;7\n", "not an Excel workbook"),
    "no header": (xlsx([("RD01", "x", 7)]), "A1: the first row must be Code, Thread"),
    "unknown municipality": (
        xlsx([("Code", "Thread", "Atlantis"), ("RD01", "", 7)]),
        "C1: unknown municipality 'Atlantis'",
    ),
    "merged municipality": (
        xlsx([("Code", "Thread", "Meulebeke"), ("RD01", "", 7)]),
        "C1: Meulebeke merged into Tielt and cannot score",
    ),
    "duplicate municipality": (
        xlsx([("Code", "Thread", "Izegem", "IZEGEM"), ("RD01", "", 7, 7)]),
        "D1: Izegem has a column already (C1)",
    ),
    "unknown thread code": (
        xlsx([("Code", "Thread", "Izegem"), ("RD77", "", 7)]),
        "A2: unknown thread code 'RD77'",
    ),
    "thread not in the round": (
        xlsx([("Code", "Thread", "Izegem"), ("RD09", "", 7)]),
        "A2: thread RD09 is not asked in this round",
    ),
    "duplicate thread row": (
        xlsx([("Code", "Thread", "Izegem"), ("RD02", "", 7), ("RD02", "", 8)]),
        "A3: thread RD02 appears twice (also row 2)",
    ),
    "score of 11": (
        xlsx(
            [
                ("Code", "Thread", "Tielt", "Izegem"),
                ("RD01", "", 3, 4),
                ("RD03", "", 2, 11),
            ]
        ),
        "D3: 11 is not a score from 0 to 10",
    ),
    "decimal": (
        xlsx([("Code", "Thread", "Izegem"), ("RD01", "", 7.5)]),
        "C2: 7.5 is not a score from 0 to 10",
    ),
    "text": (
        xlsx([("Code", "Thread", "Izegem"), ("RD01", "", "veel")]),
        "C2: veel is not a score from 0 to 10",
    ),
    "empty sheet": (xlsx([]), "The first sheet is empty"),
    "zip bomb": (_zip_bomb, "possible zip bomb"),  # built when the test runs
    "XML entities": (_entity_bomb, "forbidden XML"),
}


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    return buffer.getvalue()


BAD_FILES["a zip that is no workbook"] = (_plain_zip, "not an Excel workbook")


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(login_as, world, case):
    data, message = BAD_FILES[case]
    data = data() if callable(data) else data
    client = login_as("coordinator", language="en")
    before = _state()
    activities = db.session.scalar(select(func.count(Activity.id)))
    response = _upload(client, world["round"].id, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html.replace("&#39;", "'")
    assert 'name="token"' not in html
    assert _state() == before
    assert db.session.scalar(select(func.count(Activity.id))) == activities


def test_every_error_is_listed_by_cell(login_as, world):
    client = login_as("coordinator", language="en")
    rows = [
        ("Code", "Thread", "Izegem", "Tielt"),
        ("RD01", "", 11, "abc"),
        ("RD02", "", -1, 7.5),
        ("RD03", "", 4, 4),
    ]
    html = _upload(client, world["round"].id, xlsx(rows)).get_data(as_text=True)
    for error in (
        "C2: 11 is not",
        "D2: abc is not",
        "C3: -1 is not",
        "D3: 7.5 is not",
    ):
        assert error in html
    assert html.count("data-import-error") == 4
    assert _state() == [(world["threads"][0].id, world["izegem"].id, 5)]


def test_import_form_needs_a_file_and_is_for_the_coordinator(login_as, world):
    client = login_as("coordinator", language="en")
    response = client.form("/imports/scores", {"round_id": str(world["round"].id)})
    assert response.status_code == 422
    assert "Choose a file." in response.get_data(as_text=True)
    other = login_as("municipality", municipality=world["izegem"])
    assert _upload(other, world["round"].id, xlsx(GOOD)).status_code == 403
    assert len(_state()) == 1


def test_import_into_a_closed_round_is_refused(login_as, world):
    closed = factories.scoring_round(threads=world["threads"], status="closed")
    db.session.commit()
    client = login_as("coordinator")
    # A closed round is not among the choices of the form.
    assert _upload(client, closed.id, xlsx(GOOD)).status_code == 422
    assert len(_state()) == 1


def test_the_command_line_import_uses_the_same_code(app, world, tmp_path):
    path = tmp_path / "scores.xlsx"
    path.write_bytes(xlsx(GOOD))
    runner = app.test_cli_runner()
    dry = runner.invoke(
        args=[
            "import-scores",
            str(path),
            "--round",
            str(world["round"].id),
            "--dry-run",
        ]
    )
    assert dry.exit_code == 0, dry.output
    assert "RD01 Izegem: 5 -> 8" in dry.output
    assert len(_state()) == 1
    result = runner.invoke(
        args=["import-scores", str(path), "--round", str(world["round"].id)]
    )
    assert result.exit_code == 0, result.output
    assert "4 scores imported" in result.output
    db.session.expire_all()
    assert len(_state()) == 4

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([("Code", "Thread", "Izegem"), ("RD01", "", 11)]))
    failed = runner.invoke(
        args=["import-scores", str(bad), "--round", str(world["round"].id)]
    )
    assert failed.exit_code != 0
    assert "C2: 11 is not a score from 0 to 10" in failed.output


def test_the_import_functions_work_outside_a_request(app, world):
    """What `flask import-scores`, jobs and the benchmark call: no request, no
    signed-in user, no locale forced: messages in the default language (Dutch)."""
    from app.strategy.cli import _CommandLine
    from app.strategy.workbooks import apply_import, check_file

    operator = _CommandLine()
    bad = xlsx([("Code", "Thread", "Izegem"), ("RD01", "", 11)])
    refused = check_file(bad, world["round"], operator, "bad.xlsx")
    assert refused.errors == ["C2: 11 is geen score van 0 tot 10."]
    check = check_file(xlsx(GOOD), world["round"], operator, "good.xlsx")
    assert check.ok, check.errors
    assert apply_import(check, operator) == 4
    db.session.commit()
    assert sorted(value for _thread, _place, value in _state()) == [0, 7, 8, 10]


def test_the_template_has_the_import_format(login_as, world):
    coordinator = login_as("coordinator", language="en")
    response = coordinator.get(f"/rounds/{world['round'].id}/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Code", "Thread", "Izegem", "Tielt")  # not the merged one
    assert rows[1] == ("RD01", "Draad 1", 5, None)
    assert [r[0] for r in rows[1:]] == ["RD01", "RD02", "RD03"]

    one = coordinator.get(
        f"/rounds/{world['round'].id}/template.xlsx?municipality={world['tielt'].id}"
    )
    rows = list(load_workbook(io.BytesIO(one.data)).worksheets[0].values)
    assert rows[0] == ("Code", "Thread", "Tielt")


def test_the_template_header_is_in_the_readers_language(login_as, world):
    """Dutch readers get "Rode draad", as in the export, and the import reads it."""
    client = login_as("coordinator", language="nl")
    response = client.get(f"/rounds/{world['round'].id}/template.xlsx")
    header = next(load_workbook(io.BytesIO(response.data)).worksheets[0].values)
    assert header == ("Code", "Rode draad", "Izegem", "Tielt")
    html = _upload(client, world["round"].id, response.data).get_data(as_text=True)
    assert "data-import-error" not in html and "data-change=" not in html


@pytest.mark.parametrize("role", ["municipality", "lead", "viewer"])
def test_the_template_is_offered_only_to_who_may_import_it(login_as, world, role):
    """Only the coordinator imports: nobody else is offered (or gets) the file."""
    client = login_as(role, municipality=world["tielt"])
    url = f"/rounds/{world['round'].id}/template.xlsx"
    assert client.get(url).status_code == 403
    page = client.get(f"/rounds/{world['round'].id}").get_data(as_text=True)
    assert "data-template-link" not in page and url not in page
    assert _upload(client, world["round"].id, xlsx(GOOD)).status_code == 403
    coordinator = login_as("coordinator")
    page = coordinator.get(f"/rounds/{world['round'].id}").get_data(as_text=True)
    assert "data-template-link" in page


def test_a_filled_template_imports_back(login_as, world):
    client = login_as("coordinator", language="en")
    response = client.get(f"/rounds/{world['round'].id}/template.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    workbook.worksheets[0]["D3"] = 9
    buffer = io.BytesIO()
    workbook.save(buffer)
    html = _upload(client, world["round"].id, buffer.getvalue()).get_data(as_text=True)
    assert html.count("data-change=") == 1


@pytest.fixture
def closed(world):
    r = factories.scoring_round(threads=world["threads"], status="closed")
    factories.score(r, world["threads"][0], world["izegem"], 9)
    factories.score(r, world["threads"][0], world["tielt"], 4)
    factories.score(r, world["threads"][1], world["tielt"], 8)
    db.session.commit()
    return r


def _sheets(response):
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook}


def test_export_for_the_coordinator_has_matrix_and_results(login_as, closed):
    client = login_as("coordinator", language="en")
    sheets = _sheets(client.get(f"/exports/scores-{closed.id}.xlsx"))
    assert list(sheets) == ["Scores", "Results"]
    assert sheets["Scores"][0] == ("Code", "Thread", "Izegem", "Tielt")
    assert sheets["Scores"][1] == ("RD01", "Draad 1", 9, 4)
    results = sheets["Results"]
    assert results[0][:5] == ("Rank", "Code", "Thread", "Responses", "Mean")
    assert results[1][:5] == (1, "RD02", "Draad 2", 1, 8)
    assert results[2][:5] == (2, "RD01", "Draad 1", 2, 6.5)
    assert results[3][:4] == (None, "RD03", "Draad 3", 0)


def test_export_for_others_shows_no_scores_of_other_municipalities(
    login_as, closed, world
):
    own = login_as("municipality", municipality=world["izegem"], language="en")
    sheets = _sheets(own.get(f"/exports/scores-{closed.id}.xlsx"))
    assert sheets["Scores"][0] == ("Code", "Thread", "Izegem")
    assert "Tielt" not in str(sheets["Scores"])
    viewer = login_as("viewer")
    sheets = _sheets(viewer.get(f"/exports/scores-{closed.id}.xlsx"))
    assert len(sheets) == 1  # the results only
    assert (
        login_as("viewer").get(f"/exports/scores-{world['round'].id}.xlsx").status_code
        == 403
    )


HOSTILE_NAME = '=HYPERLINK("http://x","y")'


def test_names_in_header_rows_are_text_never_formulas(login_as, world):
    """A municipality or theme named like a formula stays text in the header
    row of the template, the score export and the forum report (item 22)."""
    factories.municipality(HOSTILE_NAME, slug="hostile")
    factories.theme(title="=1+1")
    db.session.commit()
    client = login_as("coordinator", language="en")
    round_id = world["round"].id
    for url, title, name in (
        (f"/rounds/{round_id}/template.xlsx", "Scores", HOSTILE_NAME),
        (f"/exports/scores-{round_id}.xlsx", "Scores", HOSTILE_NAME),
        ("/exports/forum-report.xlsx", "Themes and rollout", HOSTILE_NAME),
        ("/exports/rollout.xlsx", "Rollout", "=1+1"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        ws = load_workbook(io.BytesIO(response.data))[title]
        header = {cell.value: cell.data_type for cell in ws[1]}
        assert header[name] == "s", url
        assert not [c.value for c in ws[1] if c.data_type == "f"], url


def test_headers_fit_their_columns_in_rollout_and_results(login_as, closed):
    """Every header fits its column (or wraps, past the widest a column grows)."""
    from openpyxl.utils import get_column_letter

    from app.exports.excel import MAX_HEADER_WIDTH

    factories.theme(title="Digitale dienstverlening voor burgers en ondernemingen")
    db.session.commit()
    for language in ("nl", "en"):
        client = login_as("coordinator", language=language)
        for url in (f"/exports/scores-{closed.id}.xlsx", "/exports/rollout.xlsx"):
            book = load_workbook(io.BytesIO(client.get(url).data))
            for ws in book:
                for index, cell in enumerate(ws[1], start=1):
                    width = ws.column_dimensions[get_column_letter(index)].width
                    assert width >= min(len(cell.value), MAX_HEADER_WIDTH), (
                        url,
                        cell.value,
                    )


@pytest.fixture
def many(world):
    """An open round with more municipalities than a page of the matrix, every
    one with scores (the last ones by name too)."""
    from app.strategy.rounds import MATRIX_COLUMNS

    places = [world["izegem"], world["tielt"]] + [
        factories.municipality(f"Zwevegem {n:02d}") for n in range(MATRIX_COLUMNS + 3)
    ]
    for n, place in enumerate(places):
        for k, thread in enumerate(world["threads"]):
            if (place, k) != (world["izegem"], 0):  # that one exists already
                factories.score(world["round"], thread, place, (n + k) % 11)
    db.session.commit()
    return places


def test_the_score_export_holds_every_score_and_imports_back_unchanged(
    login_as, world, many
):
    """The export reads its own complete query, not the screen's paged matrix:
    exported, saved by openpyxl and imported again, it changes nothing (item 1)."""
    client = login_as("coordinator", language="nl")
    response = client.get(f"/exports/scores-{world['round'].id}.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    rows = list(workbook["Scores"].iter_rows(values_only=True))
    assert len(rows[0]) == 2 + len(many)
    filled = sum(1 for row in rows[1:] for value in row[2:] if value is not None)
    assert filled == db.session.scalar(select(func.count(Score.id))) == 3 * len(many)
    buffer = io.BytesIO()
    workbook.save(buffer)
    html = _upload(client, world["round"].id, buffer.getvalue()).get_data(as_text=True)
    assert "data-import-error" not in html
    assert "data-change=" not in html
    assert 'name="token"' not in html


def test_a_municipality_gets_its_own_column_filled_wherever_it_sorts(
    login_as, world, many
):
    last = many[-1]
    world["round"].status = "closed"
    db.session.commit()
    own = login_as("municipality", municipality=last, language="en")
    rows = list(
        load_workbook(
            io.BytesIO(own.get(f"/exports/scores-{world['round'].id}.xlsx").data)
        )["Scores"].iter_rows(values_only=True)
    )
    assert rows[0] == ("Code", "Thread", last.name)
    n = len(many) - 1
    assert [row[2] for row in rows[1:]] == [(n + k) % 11 for k in range(3)]


def test_a_command_line_import_without_changes_records_nothing(app, world, tmp_path):
    """A file equal to the round's scores changes nothing: no activity entry."""
    path = tmp_path / "same.xlsx"
    path.write_bytes(xlsx([("Code", "Thread", "Izegem"), ("RD01", "", 5)]))
    before = db.session.scalar(select(func.count(Activity.id)))
    result = app.test_cli_runner().invoke(
        args=["import-scores", str(path), "--round", str(world["round"].id)]
    )
    assert result.exit_code == 0, result.output
    assert "nothing to import" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Activity.id))) == before
    assert _state() == [(world["threads"][0].id, world["izegem"].id, 5)]
