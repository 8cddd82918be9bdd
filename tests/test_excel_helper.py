"""Shared Excel styling: typed cells, euro format, bold frozen header, no formulas."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from app.exports import excel

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def test_sheet_is_styled_and_typed():
    workbook = excel.new_workbook()
    columns = [
        excel.Column("Titel", 30),
        excel.Column("Bedrag", 14, "money"),
        excel.Column("Datum", 12, "date"),
        excel.Column("Moment", 18, "datetime"),
        excel.Column("Aantal", 8, "int"),
    ]
    rows = [
        [
            text,
            Decimal("12500.00"),
            date(2026, 11, 28),
            datetime(2026, 11, 28, 11, 0, tzinfo=UTC),
            3,
        ]
        for text in HOSTILE
    ]
    excel.sheet(workbook, "Blad", columns, rows)
    reopened = load_workbook(io.BytesIO(excel.to_bytes(workbook)))
    ws = reopened["Blad"]
    assert [c.value for c in ws[1]] == ["Titel", "Bedrag", "Datum", "Moment", "Aantal"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:E{len(HOSTILE) + 1}"
    assert ws.column_dimensions["A"].width == 30
    for index, text in enumerate(HOSTILE, start=2):
        cell = ws.cell(index, 1)
        # XML turns a bare CR into LF when read back; it is still text, not a formula.
        assert cell.value == text.replace("\r", "\n") and cell.data_type == "s"
    assert ws["B2"].value == 12500 and "€" in ws["B2"].number_format
    assert ws["C2"].value == datetime(2026, 11, 28) and ws["C2"].is_date
    assert ws["D2"].value == datetime(2026, 11, 28, 12, 0)  # Brussels wall clock
    assert ws["E2"].value == 3


def test_headers_follow_the_text_rule_of_data_cells():
    """A header made of user text (a municipality, thread or theme name) that starts
    like a formula is stored as text, never as a formula (issue 24 item 22)."""
    workbook = excel.new_workbook()
    excel.sheet(workbook, "Blad", [excel.Column(text) for text in HOSTILE], [])
    ws = load_workbook(io.BytesIO(excel.to_bytes(workbook)))["Blad"]
    for cell, text in zip(ws[1], HOSTILE, strict=True):
        assert cell.value == text.replace("\r", "\n") and cell.data_type == "s"
        assert cell.font.bold


def test_a_column_is_at_least_as_wide_as_its_header():
    workbook = excel.new_workbook()
    long = "Share scoring 7 or more of the municipalities"
    excel.sheet(workbook, "Blad", [excel.Column(long, 10), excel.Column("Ok", 30)], [])
    ws = load_workbook(io.BytesIO(excel.to_bytes(workbook)))["Blad"]
    assert ws.column_dimensions["A"].width >= len(long)
    assert ws.column_dimensions["B"].width == 30
