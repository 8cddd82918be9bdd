"""SQLite connection settings: WAL, a busy timeout and enforced foreign keys."""

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.private_files import private_sqlite_file


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Set the pragmas on every new SQLite connection of `engine`."""
    if engine.dialect.name != "sqlite":
        return
    private_sqlite_file(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy issue BEGIN itself (IMMEDIATE for writes is not needed with
        # the busy timeout), and keep pysqlite from committing behind our back.
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
