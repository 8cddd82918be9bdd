"""Files only the app's own system user may read: the instance folder, database
copies and whatever else the app writes are created 0700
(folders) and 0600 (files) whatever the umask of the process that runs it.
They hold password and token hashes, personal data and dossier letters."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: str | os.PathLike) -> Path:
    """`path` as a folder, created 0700 when missing (an existing one is left as
    the admin set it)."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        os.chmod(path, FOLDER_MODE)  # mkdir's mode passes through the umask
    return path


def open_private(path: str | os.PathLike) -> int:
    """A new file at `path` (never an existing one), 0600, open for writing."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    return descriptor


def private_sqlite_file(database: str | None) -> None:
    """Create a SQLite database file 0600 before SQLite does (with the umask's
    mode); its -wal and -shm files take the same mode from it."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return
    with contextlib.suppress(FileExistsError):  # another worker made it first
        os.close(open_private(path))
