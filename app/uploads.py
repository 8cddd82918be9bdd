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

from defusedxml import DefusedXmlException
from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

ZIP_SIGNATURE = b"PK\x03\x04"
MAX_ENTRIES = 200
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: One part (a sheet): openpyxl reads a sheet without a <dimension> element to its
#: end before giving the first row, so a huge sheet costs seconds of a worker even
#: though the import stops after MAX_ROWS. A real score sheet is well under 1 MB.
MAX_PART_BYTES = 10 * 1024 * 1024
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")


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
                mb=MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
            )
        )
    if any(entry.file_size > MAX_PART_BYTES for entry in entries):
        raise UploadError(
            _(
                "A part of this workbook unpacks to more than %(mb)s MB; it is"
                " refused.",
                mb=MAX_PART_BYTES // (1024 * 1024),
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


@contextmanager
def open_xlsx(data: bytes) -> Iterator:
    """The checked workbook, opened read-only with values (not formulas)."""
    check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        OSError,
    ) as error:
        raise _refusal(error) from error
    try:
        yield workbook
    finally:
        workbook.close()


def read_rows(workbook, max_rows: int, max_columns: int) -> list[tuple]:
    """The values of the first sheet, refusing sheets beyond the bounds.

    Sheets are parsed lazily in read-only mode, so XML tricks inside a sheet
    surface here and get the same clear message.
    """
    if not workbook.worksheets:
        return []
    sheet = workbook.worksheets[0]
    rows = []
    try:
        for index, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if index > max_rows:
                raise UploadError(_("The sheet has more than %(n)s rows.", n=max_rows))
            if len(row) > max_columns and any(
                value not in (None, "") for value in row[max_columns:]
            ):
                raise UploadError(
                    _("The sheet has more than %(n)s columns.", n=max_columns)
                )
            rows.append(tuple(row[:max_columns]))
    except UploadError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        raise _refusal(error) from error
    return rows
