"""Uploads: the size limit (413 with a message), and hostile workbooks (not an
xlsx, zip bombs, XML entity bombs in any part, an endless sheet or row) get a clear
error after a bounded read with memory bounded, and nothing is written (scores,
activity, previews).

tests/test_strategy_workbooks.py covers the messages of ordinary bad files."""

from __future__ import annotations

import io
import random
import tracemalloc
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.activity.models import Activity
from app.extensions import db
from app.strategy.models import Score
from app.strategy.workbooks import check_file
from tests import factories

MEMORY_LIMIT = 50 * 1024 * 1024
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "\n".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "\n]>\n"
)
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = xlsx([("Code", "Thread", "Izegem"), ("RD01", "", 7)])


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        target.writestr(name, content)
    return buffer.getvalue()


def _laughs_in(part: str, body: str) -> bytes:
    return replace_part(GOOD, part, (BILLION_LAUGHS + body).encode())


def _sheet_bomb() -> bytes:
    body = (
        f'<worksheet xmlns="{SHEET_NS}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
        "</worksheet>"
    )
    return _laughs_in("xl/worksheets/sheet1.xml", body)


def _shared_strings_bomb() -> bytes:
    body = f'<sst xmlns="{SHEET_NS}" count="1"><si><t>&lol9;</t></si></sst>'
    data = _laughs_in("xl/sharedStrings.xml", body)
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode()
    override = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    types = types.replace("</Types>", override + "</Types>")
    return replace_part(data, "[Content_Types].xml", types.encode())


def _workbook_bomb() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(GOOD)).read("xl/workbook.xml").decode()
    body = source.split("?>", 1)[1] if source.startswith("<?xml") else source
    return _laughs_in("xl/workbook.xml", body.replace("<sheets>", "<sheets>&lol9;"))


def _external_entity() -> bytes:
    body = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{SHEET_NS}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>'
        "</worksheet>"
    )
    return replace_part(GOOD, "xl/worksheets/sheet1.xml", body.encode())


def _zip_bomb() -> bytes:
    # 60 MB of zeros compress to about 60 KB: refused from the zip directory.
    return replace_part(GOOD, "xl/media/zeros.bin", bytes(60 * 1024 * 1024))


def _many_parts() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(GOOD))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        for n in range(5000):
            target.writestr(f"xl/media/{n}.txt", b"")
    return buffer.getvalue()


def _endless_sheet() -> bytes:
    """9 MB of sheet XML without a <dimension> (compressed to little): read as a
    stream, refused after MAX_ROWS rows."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>RD01</t></is></c>'
        f'<c r="B{n}"><v>1</v></c></row>'
        for n in range(1, 95_001)
    )
    body = f'<worksheet xmlns="{SHEET_NS}"><sheetData>{rows}</sheetData></worksheet>'
    return replace_part(GOOD, "xl/worksheets/sheet1.xml", body.encode())


def _endless_row() -> bytes:
    """One row of 450,000 cells (9 MB of XML, about 30 KB zipped) with a
    <dimension> that claims one cell: refused after a bounded part of the row."""
    cells = "".join(f"<c><v>{n % 10}</v></c>" for n in range(450_000))
    body = (
        f'<worksheet xmlns="{SHEET_NS}"><dimension ref="A1"/><sheetData>'
        f'<row r="1">{cells}</row></sheetData></worksheet>'
    )
    return replace_part(GOOD, "xl/worksheets/sheet1.xml", body.encode())


def _endless_second_sheet() -> bytes:
    """The endless sheet in a part under another name: every part that is a
    worksheet is bounded, whatever its name (the relations may point anywhere)."""
    data = replace_part(
        GOOD,
        "xl/extra.xml",
        zipfile.ZipFile(io.BytesIO(_endless_sheet())).read("xl/worksheets/sheet1.xml"),
    )
    return data


def _lying_zip() -> bytes:
    """A sheet whose zip entry claims to be tiny but inflates to 60 MB."""
    big = b"<!--" + b" " * (60 * 1024 * 1024) + b"-->"
    data = bytearray(replace_part(GOOD, "xl/worksheets/sheet1.xml", big))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    small = (1000).to_bytes(4, "little")
    # The uncompressed size: offset 22 of the local header, 24 of the entry in the
    # central directory. Both now say 1000 bytes.
    data[info.header_offset + 22 : info.header_offset + 26] = small
    position = bytes(data).find(b"PK\x01\x02")
    while position >= 0:
        length = int.from_bytes(data[position + 28 : position + 30], "little")
        if data[position + 46 : position + 46 + length] == b"xl/worksheets/sheet1.xml":
            data[position + 24 : position + 28] = small
        position = bytes(data).find(b"PK\x01\x02", position + 4)
    return bytes(data)


HOSTILE_FILES = {
    "not an xlsx (CSV)": lambda: b"Code;Thread;Izegem\nRD01;x;7\n",
    "not an xlsx (HTML)": lambda: b"<html><script>alert(1)</script></html>",
    "not an xlsx (truncated zip)": lambda: GOOD[: len(GOOD) // 2],
    "zip bomb": _zip_bomb,
    "too many parts": _many_parts,
    "entity bomb in the sheet": _sheet_bomb,
    "entity bomb in shared strings": _shared_strings_bomb,
    "entity bomb in the workbook part": _workbook_bomb,
    "external entity": _external_entity,
    "endless sheet": _endless_sheet,
    "endless row": _endless_row,
    "endless sheet in another part": _endless_second_sheet,
    "a sheet part over the size limit": lambda: replace_part(
        GOOD, "xl/worksheets/sheet1.xml", b" " * (11 * 1024 * 1024)
    ),
    "zip entry lying about its size": _lying_zip,
}


@pytest.fixture
def world(app, tmp_path):
    izegem = factories.municipality("Izegem")
    thread = factories.thread(code="RD01")
    scoring_round = factories.scoring_round(threads=[thread], status="open")
    factories.score(scoring_round, thread, izegem, 5)
    db.session.commit()
    return {"round": scoring_round, "previews": tmp_path / "previews"}


def _written(world) -> tuple:
    scores = db.session.execute(select(Score.id, Score.value)).all()
    activity = db.session.scalar(select(func.count(Activity.id)))
    previews = world["previews"]
    files = sorted(previews.iterdir()) if previews.exists() else []
    return scores, activity, files


@pytest.mark.parametrize("case", list(HOSTILE_FILES), ids=list(HOSTILE_FILES))
def test_hostile_workbook_is_refused_quickly_in_bounded_memory(app, world, case):
    data = HOSTILE_FILES[case]()
    coordinator = factories.user("coordinator")
    db.session.commit()
    with app.test_request_context():
        check = check_file(data, world["round"], coordinator, "x.xlsx")
        # Again under tracemalloc (which slows Python down) for the peak memory.
        tracemalloc.start()
        try:
            again = check_file(data, world["round"], coordinator, "x.xlsx")
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert not check.ok and check.errors and not check.changes
    assert all(str(error) for error in check.errors)
    assert again.errors == check.errors
    assert peak < MEMORY_LIMIT, f"{case}: peak {peak / 1e6:.0f} MB"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("endless sheet", "more than 1000 rows"),
        ("endless row", "more than 30 columns"),
        ("endless sheet in another part", "more than 1000 rows"),
    ],
)
def test_long_or_wide_sheets_are_refused_after_a_bounded_read(app, case, message):
    """No timing: the scan says how much it read before refusing."""
    from app.uploads import CELL_SLACK, SheetScan, UploadError, scan_sheet

    data = HOSTILE_FILES[case]()
    part = "xl/extra.xml" if "another" in case else "xl/worksheets/sheet1.xml"
    scan = SheetScan()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        app.config["BABEL_DEFAULT_LOCALE"] = "en"
        with (
            zipfile.ZipFile(io.BytesIO(data)) as archive,
            archive.open(part) as source,
            pytest.raises(UploadError, match=message),
        ):
            scan_sheet(source, 1000, 30, scan)
    assert scan.rows <= 1001
    assert scan.cells <= 1000 * (30 + CELL_SLACK) + 1
    if case == "endless row":
        assert scan.rows == 1 and scan.cells <= 30 + CELL_SLACK + 1


def test_an_import_refuses_a_sheet_wider_than_the_municipalities_allow(app, world):
    """The width limit follows the number of municipalities (plus a margin)."""
    from app.strategy.workbooks import COLUMN_MARGIN, max_columns

    coordinator = factories.user("coordinator")
    db.session.commit()
    assert max_columns() == 2 + 1 + COLUMN_MARGIN  # one municipality here
    wide = xlsx([("Code", "Thread", "Izegem", *[None] * 40, "x"), ("RD01", "", 7)])
    with app.test_request_context():
        check = check_file(wide, world["round"], coordinator, "x.xlsx")
    assert not check.ok and not check.changes
    assert len(check.errors) == 1
    assert f"{max_columns()}" in check.errors[0]


# Uploads stay under 500 KB here: above that the test client spools the request
# body to a temporary file that nobody closes (a ResourceWarning).
@pytest.mark.parametrize(
    "case", ["zip bomb", "entity bomb in the sheet", "a sheet part over the size limit"]
)
def test_hostile_upload_over_http_is_a_422_that_writes_nothing(login_as, world, case):
    client = login_as("coordinator", language="en")
    before = _written(world)
    response = client.form(
        "/imports/scores",
        {
            "round_id": str(world["round"].id),
            "file": (io.BytesIO(HOSTILE_FILES[case]()), "scores.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'name="token"' not in html
    assert _written(world) == before


def test_an_upload_over_the_size_limit_is_a_413_with_a_message(app, login_as, world):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    client = login_as("coordinator", language="en")
    client.fetch_csrf("/imports/scores")
    before = _written(world)
    padding = random.Random(7).randbytes(200 * 1024)  # refused before it is read
    assert len(padding) > 64 * 1024
    for htmx in (False, True):
        response = client.form(
            "/imports/scores",
            {
                "round_id": str(world["round"].id),
                "file": (io.BytesIO(padding), "big.xlsx"),
            },
            content_type="multipart/form-data",
            htmx=htmx,
        )
        assert response.status_code == 413
        html = response.get_data(as_text=True)
        assert "too large" in html and "0.06 MB" in html
        assert ("<html" in html) is not htmx
    assert _written(world) == before


@pytest.mark.parametrize("terminated", [True, False])
def test_an_upload_of_exactly_the_size_limit_is_accepted(
    app, login_as, world, terminated
):
    """nginx lets a body of exactly client_max_body_size through; the app takes it
    too, also when the server terminates the input stream as gunicorn does
    (werkzeug then refused the last byte's read with a 413)."""
    limit = 64 * 1024
    app.config["MAX_CONTENT_LENGTH"] = limit
    client = login_as("coordinator", language="en")
    token = client.fetch_csrf("/imports/scores")
    boundary = "limitboundary"

    def body(size: int) -> bytes:
        def part(name: str, value: bytes, filename: str = "") -> bytes:
            disposition = f'form-data; name="{name}"'
            if filename:
                disposition += f'; filename="{filename}"'
            head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n"
            return head.encode() + value + b"\r\n"

        start = part("csrf_token", token.encode()) + part(
            "round_id", str(world["round"].id).encode()
        )
        end = f"--{boundary}--\r\n".encode()
        padding = size - len(start) - len(end) - len(part("file", b"", "big.xlsx"))
        data = start + part("file", b"x" * padding, "big.xlsx") + end
        assert len(data) == size
        return data

    def post(size: int):
        return client.post(
            "/imports/scores",
            data=body(size),
            content_type=f"multipart/form-data; boundary={boundary}",
            environ_overrides={"wsgi.input_terminated": True} if terminated else {},
        )

    at_limit = post(limit)
    # Read and refused for what it is (not a workbook), not for its size.
    assert at_limit.status_code == 422
    assert "too large" not in at_limit.get_data(as_text=True)
    assert post(limit + 1).status_code == 413


def test_the_default_size_limit_is_a_few_megabytes(app):
    assert 1024 * 1024 <= app.config["MAX_CONTENT_LENGTH"] <= 20 * 1024 * 1024


def test_a_merged_away_municipality_in_a_hostile_file_changes_nothing(login_as, world):
    """A valid file for a municipality the user may not score is refused whole."""
    tielt = factories.municipality("Tielt")
    factories.municipality(
        "Pittem", merged_into_id=tielt.id, merged_on=date(2025, 1, 1)
    )
    db.session.commit()
    client = login_as("coordinator", language="en")
    before = _written(world)
    data = xlsx([("Code", "Thread", "Izegem", "Pittem"), ("RD01", "", 9, 9)])
    response = client.form(
        "/imports/scores",
        {"round_id": str(world["round"].id), "file": (io.BytesIO(data), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert _written(world) == before
