"""Workbook building: the one place for Excel styling and safe cell values.

Every export writes through `sheet()` so that headers are bold and frozen, an
autofilter is on, columns have sensible widths, dates are Excel dates, amounts
are numbers with a euro format, and text that a spreadsheet would run as a
formula is stored as text. Write-only mode keeps memory flat for large exports.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.clock import BRUSSELS
from app.formatting import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    EURO_FORMAT,
    MEAN_FORMAT,
    PERCENT_FORMAT,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32767  # Excel's limit for one cell
#: The widest a column grows to fit its header; a longer header wraps.
MAX_HEADER_WIDTH = 60


@dataclass(frozen=True)
class Column:
    """A column: header (already translated), width, and the kind of value."""

    header: str
    width: int = 16
    # text | int | number | mean | money | date | datetime | percent | figure
    # (percent: a fraction, 0.6 for 60%; figure: a summary sheet's value column,
    # whose rows say their own kind)
    kind: str = "text"

    @property
    def fitted_width(self) -> float:
        """The width, grown to fit the header (bold text is a little wider)."""
        return max(
            self.width, min(round(len(self.header) * 1.15) + 2, MAX_HEADER_WIDTH)
        )


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


#: The number format of a value that is not a date, by column kind.
KIND_FORMATS = {"money": EURO_FORMAT, "percent": PERCENT_FORMAT, "mean": MEAN_FORMAT}


def text_cell(ws, value: str) -> Any:
    """Text as a cell holds it: cut to Excel's limit, and text that a spreadsheet
    would run as a formula in a plain string cell (kept exactly as typed, never
    evaluated). The rule of every text cell, headers included."""
    value = value[:MAX_CELL_TEXT]
    if not value.startswith(FORMULA_STARTS):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def _typed(value: Any, kind: str) -> tuple[Any, str | None]:
    """The value as the cell holds it, and its number format (None: General)."""
    if isinstance(value, datetime):
        # Excel has no time zones: show Brussels wall-clock time.
        local = (
            value.astimezone(BRUSSELS).replace(tzinfo=None) if value.tzinfo else value
        )
        return local, DATETIME_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, Decimal) and kind != "money":
        value = float(value)
    if kind == "mean" and value is not None:
        value = round(value, 1)
    return value, KIND_FORMATS.get(kind)


class _Cells:
    """What `ws.append` gets for a sheet's values, made cheap for big exports.

    A value without a number format goes in as it is (openpyxl reuses one cell
    for those); a formatted one is put in a cell kept per column and format,
    whose format is set once, not per row (a row is written as soon as it is
    appended, so the cell is free again for the next row)."""

    def __init__(self, ws, count: int) -> None:
        self.ws = ws
        self.kept: list[dict[str, WriteOnlyCell]] = [{} for _ in range(count)]

    def value(self, index: int, value: Any, kind: str) -> Any:
        if isinstance(value, str):
            return text_cell(self.ws, value)
        value, number_format = _typed(value, kind)
        if number_format is None:
            return value
        cell = self.kept[index].get(number_format)
        if cell is None:
            cell = self.kept[index][number_format] = WriteOnlyCell(self.ws)
            cell.number_format = number_format
        cell.value = value
        return cell


def sheet(
    workbook: Workbook,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Add a styled sheet: bold frozen header, autofilter, widths, typed cells."""
    ws = workbook.create_sheet(title=title[:31])
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.fitted_width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    header = []
    for column in columns:
        # A header is often user text (a municipality, thread or theme name):
        # the same text rule as the data cells.
        cell = text_cell(ws, column.header)
        if isinstance(cell, str):
            cell = WriteOnlyCell(ws, value=cell)
        cell.font = bold
        if len(column.header) + 2 > column.fitted_width:
            cell.alignment = wrapped
        header.append(cell)
    ws.append(header)
    cells = _Cells(ws, len(columns))
    kinds = [column.kind for column in columns]
    count = 0
    for row in rows:
        ws.append(
            [
                cells.value(index, *value)
                if kind == "figure"
                else cells.value(index, value, kind)
                for index, (value, kind) in enumerate(zip(row, kinds, strict=True))
            ]
        )
        count += 1
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"


def summary_sheet(
    workbook: Workbook,
    title: str,
    headers: tuple[str, str],
    figures: Iterable[tuple[str, Any, str]],
) -> None:
    """A sheet of (label, value, kind) rows: each value in its own format."""
    figures = list(figures)
    sheet(
        workbook,
        title,
        [Column(headers[0], 40), Column(headers[1], 20, "figure")],
        [(text, (value, kind)) for text, value, kind in figures],
    )


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(workbook: Workbook, filename: str) -> Response:
    """The workbook as a download that no cache keeps (exports hold personal data)."""
    response = send_file(
        io.BytesIO(to_bytes(workbook)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=filename,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
