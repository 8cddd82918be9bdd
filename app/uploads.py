"""Safe opening of uploaded Excel workbooks.

The request size is limited by MAX_CONTENT_LENGTH (413) before this runs. Here,
before openpyxl sees a byte: the file must be a zip archive (xlsx is one) with the
parts of a workbook, a bounded number of entries and a bounded uncompressed size
in total and per part (a zip bomb is refused from its directory alone; zipfile
never inflates an entry past its declared size). Then openpyxl opens it read-only,
values only; with defusedxml installed it refuses XML entity tricks, which become
a clear error.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.utils.exceptions import CellCoordinatesException, InvalidFileException

from app.formatting import fmt_megabytes

ZIP_SIGNATURE = b"PK\x03\x04"
MAX_ENTRIES = 200
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: One part (a sheet): openpyxl reads a sheet without a <dimension> element to its
#: end before giving the first row, so a huge sheet costs seconds of a worker even
#: though the import stops after MAX_ROWS. A real score sheet is well under 1 MB.
MAX_PART_BYTES = 10 * 1024 * 1024
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
#: Empty (styled) cells tolerated in a row beyond the column limit.
CELL_SLACK = 50


class UploadError(ValueError):
    """An uploaded file we refuse; the message is for the user."""


def check_xlsx(data: bytes) -> None:
    """Raise UploadError unless `data` looks like a harmless xlsx archive."""
    if not data.startswith(ZIP_SIGNATURE):
        raise UploadError(_("This file is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise UploadError(_("This file is not an Excel workbook (.xlsx).")) from error
    if len(entries) > MAX_ENTRIES:
        raise UploadError(
            _("This workbook has too many parts (more than %(n)s).", n=MAX_ENTRIES)
        )
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UploadError(
            _(
                "This workbook unpacks to more than %(mb)s MB; it is refused as"
                " a possible zip bomb.",
                mb=fmt_megabytes(MAX_UNCOMPRESSED_BYTES),
            )
        )
    if any(entry.file_size > MAX_PART_BYTES for entry in entries):
        raise UploadError(
            _(
                "A part of this workbook unpacks to more than %(mb)s MB; it is"
                " refused.",
                mb=fmt_megabytes(MAX_PART_BYTES),
            )
        )
    names = {entry.filename for entry in entries}
    if not all(part in names for part in REQUIRED_PARTS):
        raise UploadError(_("This file is not an Excel workbook (.xlsx)."))


def _refusal(error: BaseException) -> UploadError:
    """The message for a workbook openpyxl could not read. openpyxl wraps what
    defusedxml refused (entity declarations) in a ValueError: look at the chain."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return UploadError(
                _("This workbook contains forbidden XML (entities); it is refused.")
            )
        seen = seen.__cause__ or seen.__context__
    return UploadError(_("This Excel workbook could not be read."))


@dataclass
class SheetScan:
    """What one pass over a sheet's XML saw: how much it read (bounded by the
    limits) and which cells hold a formula, with or without a cached value."""

    rows: int = 0
    cells: int = 0
    #: (row, column) → True when the file stores the formula's computed value.
    formulas: dict[tuple[int, int], bool] = field(default_factory=dict)


class _NotASheet(Exception):
    """The part's root element is not a worksheet."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def scan_sheet(
    source, max_rows: int, max_columns: int, scan: SheetScan | None = None
) -> SheetScan:
    """Stream a worksheet's XML once and refuse it when it is longer or wider than
    the limits: from its <dimension> first, then row by row, stopping at the first
    row or cell beyond a limit. So at most `max_rows` rows of at most
    `max_columns + CELL_SLACK` cells are ever read. Raises _NotASheet at once
    when the root element is not a worksheet."""
    scan = scan if scan is not None else SheetScan()
    too_long = UploadError(_("The sheet has more than %(n)s rows.", n=max_rows))
    too_wide = UploadError(_("The sheet has more than %(n)s columns.", n=max_columns))
    row_number = column = cells_in_row = 0
    root = True
    for event, element in iterparse(source, events=("start", "end")):
        tag = _local(element.tag)
        if root:
            if tag != "worksheet":
                raise _NotASheet
            root = False
        if event == "start" and tag == "dimension":
            _first_col, _first_row, last_col, last_row = range_boundaries(
                element.get("ref", "A1")
            )
            if (last_col or 0) > max_columns:
                raise too_wide
            if (last_row or 0) > max_rows:
                raise too_long
        elif event == "start" and tag == "row":
            row_number = int(element.get("r") or row_number + 1)
            column = cells_in_row = 0
            scan.rows += 1
            if row_number > max_rows:
                raise too_long
        elif event == "end" and tag == "c":
            scan.cells += 1
            cells_in_row += 1
            reference = element.get("r")
            column = coordinate_to_tuple(reference)[1] if reference else column + 1
            parts = {_local(child.tag): child for child in element}
            if column > max_columns and parts:
                raise too_wide
            if cells_in_row > max_columns + CELL_SLACK:
                raise too_wide
            if "f" in parts:
                cached = parts.get("v")
                scan.formulas[(row_number, column)] = bool(
                    cached is not None and cached.text
                )
            element.clear()
        elif event == "end" and tag == "row":
            element.clear()
    return scan


def scan_worksheets(
    data: bytes, max_rows: int, max_columns: int
) -> dict[str, SheetScan]:
    """Every worksheet part of the archive (whatever its name), scanned within the
    limits before openpyxl opens the workbook: openpyxl reads each sheet without
    a <dimension> to its end while opening, and a whole row before handing it
    over, however long they are."""
    scans = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            scan = SheetScan()
            with archive.open(name) as source:
                try:
                    scans[name] = scan_sheet(source, max_rows, max_columns, scan)
                except _NotASheet:
                    continue  # another part: openpyxl does not read it as a sheet
                except ParseError as error:
                    if scan.rows or scan.cells:
                        raise _refusal(error) from error
                    continue  # not XML, or broken before any row: openpyxl decides
    return scans


@contextmanager
def open_xlsx(data: bytes, max_rows: int, max_columns: int) -> Iterator:
    """The checked workbook, opened read-only with values (a formula's cached
    value), and the scans of its worksheets by part name."""
    check_xlsx(data)
    try:
        scans = scan_worksheets(data, max_rows, max_columns)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UploadError:
        raise
    except (
        InvalidFileException,
        CellCoordinatesException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        OSError,
    ) as error:
        raise _refusal(error) from error
    try:
        yield workbook, scans
    finally:
        workbook.close()


def read_sheet(
    workbook, scans: dict[str, SheetScan], max_rows: int, max_columns: int
) -> tuple[list[tuple], SheetScan]:
    """The values of the first sheet (a formula as its cached value) and its scan.

    Sheets are parsed lazily in read-only mode, so XML tricks inside a sheet
    surface here and get the same clear message.
    """
    if not workbook.worksheets:
        return [], SheetScan()
    sheet = workbook.worksheets[0]
    # openpyxl's read-only sheet knows its part in the archive (a private name).
    scan = scans.get(getattr(sheet, "_worksheet_path", ""), SheetScan())
    rows = []
    try:
        for row in sheet.iter_rows(
            max_row=max_rows, max_col=max_columns, values_only=True
        ):
            rows.append(tuple(row))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        raise _refusal(error) from error
    return rows, scan
