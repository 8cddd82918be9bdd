"""What an uploaded document is (from its bytes, not its name) and where it lives.

Files are stored flat under DOCUMENTS_DIR, each named by a random key: the name a
user gave never becomes a path. Zip-based formats (DOCX, XLSX, ODT) are told apart
by the archive's own declaration: the `mimetype` entry of an OpenDocument file, the
main part's content type in `[Content_Types].xml` of an Office Open XML file.
"""

from __future__ import annotations

import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from flask import current_app
from flask_babel import gettext as _

from app.private_files import private_folder, write_private


@dataclass(frozen=True)
class FileType:
    mimetype: str
    extension: str


PDF = FileType("application/pdf", ".pdf")
PNG = FileType("image/png", ".png")
JPEG = FileType("image/jpeg", ".jpg")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
)
ODT = FileType("application/vnd.oasis.opendocument.text", ".odt")

#: The content type of the main part of each Office Open XML format we accept.
OOXML = "application/vnd.openxmlformats-officedocument"
OOXML_MAIN_PARTS = {
    f"{OOXML}.wordprocessingml.document.main+xml": DOCX,
    f"{OOXML}.spreadsheetml.sheet.main+xml": XLSX,
}
MAX_ZIP_ENTRIES = 2000
MAX_DECLARATION_BYTES = 1024 * 1024


class DocumentRefused(ValueError):
    """An upload we refuse; the message is for the user."""


def _not_accepted() -> DocumentRefused:
    return DocumentRefused(
        _("This file type is not accepted: upload a PDF, DOCX, XLSX, ODT, PNG or JPEG.")
    )


def _zip_type(data: bytes) -> FileType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = {info.filename: info for info in archive.infolist()}
            if len(entries) > MAX_ZIP_ENTRIES:
                raise _not_accepted()
            mimetype = entries.get("mimetype")
            if mimetype is not None and mimetype.file_size <= 200:
                if archive.read(mimetype).strip() == ODT.mimetype.encode():
                    return ODT
                raise _not_accepted()
            declaration = entries.get("[Content_Types].xml")
            if declaration is None or declaration.file_size > MAX_DECLARATION_BYTES:
                raise _not_accepted()
            root = fromstring(archive.read(declaration))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        if isinstance(error, DocumentRefused):
            raise
        raise _not_accepted() from error
    except (ParseError, DefusedXmlException) as error:
        raise _not_accepted() from error
    for element in root:
        if element.tag.rsplit("}", 1)[-1] != "Override":
            continue
        found = OOXML_MAIN_PARTS.get(element.get("ContentType", ""))
        if found is not None:
            return found
    raise _not_accepted()


def detect_type(data: bytes) -> FileType:
    """The type of `data` from its content; DocumentRefused if not accepted."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    raise _not_accepted()


def safe_filename(name: str | None, file_type: FileType) -> str:
    """A display and download name: no folders, no control characters, bounded,
    and ending in the extension of the detected type."""
    name = PureWindowsPath(PurePosixPath(name or "").name).name
    name = "".join(
        c
        for c in unicodedata.normalize("NFC", name)
        if unicodedata.category(c)[0] not in ("C",) and c not in '"\\/:*?<>|'
    ).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem[:150].strip(" .") or _("document")
    return f"{stem}{file_type.extension}"


def documents_dir() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"])


def path_of(storage_key: str) -> Path:
    return documents_dir() / storage_key


def store(data: bytes) -> str:
    """Write `data` under a new random key (atomically) and return the key."""
    folder = private_folder(documents_dir())
    key = secrets.token_hex(16)
    partial = folder / f".{key}.part"
    write_private(partial, data)
    os.replace(partial, folder / key)
    return key
