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
from openpyxl.styles import Font
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


@dataclass(frozen=True)
class Column:
    """A column: header (already translated), width, and the kind of value."""

    header: str
    width: int = 16
    # text | int | number | mean | money | date | datetime | percent | figure
    # (percent: a fraction, 0.6 for 60%; figure: a summary sheet's value column,
    # whose rows say their own kind)
    kind: str = "text"


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def _cell(ws, value: Any, kind: str) -> WriteOnlyCell:
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=value[:MAX_CELL_TEXT])
        if value.startswith(FORMULA_STARTS):
            # openpyxl would write "=…" as a formula: force a plain string cell,
            # so the text is kept exactly as typed and never evaluated.
            cell.data_type = "s"
        return cell
    if isinstance(value, datetime):
        # Excel has no time zones: show Brussels wall-clock time.
        local = (
            value.astimezone(BRUSSELS).replace(tzinfo=None) if value.tzinfo else value
        )
        cell = WriteOnlyCell(ws, value=local)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, Decimal) and kind != "money":
        value = float(value)
    if kind == "mean" and value is not None:
        value = round(value, 1)
    cell = WriteOnlyCell(ws, value=value)
    if kind == "money":
        cell.number_format = EURO_FORMAT
    elif kind == "percent":
        cell.number_format = PERCENT_FORMAT
    elif kind == "mean":
        cell.number_format = MEAN_FORMAT
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
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    count = 0
    for row in rows:
        ws.append(
            [
                _cell(ws, *value)
                if column.kind == "figure"
                else _cell(ws, value, column.kind)
                for value, column in zip(row, columns, strict=True)
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
