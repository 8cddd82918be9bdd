"""The read model: figures many pages share, computed once per change of what
they read.

Every table has a *version*. A writing transaction adds one row per table it
changed to the change log (`data_change`) in that same transaction: an INSERT,
which on PostgreSQL waits for no other writer (no counter row is updated, so no
row lock is held to commit), and which commits or rolls back with the data. A
table's version is its base (`data_version`, one row per table) plus its rows
in the log; from time to time the log is folded into the bases in one short
transaction of its own (`compact`), which leaves every version as it was.

A request reads every version once (one query: one snapshot, so a version never
runs ahead of the data it stands for) and finds computed figures in a per-process
cache under (name, scope). A figure declares the tables it reads (``reads=``);
its entry is good while the sum of their versions is what it was when computed.
So a write is seen by the very next read through any worker on any host, and it
only invalidates the figures that read what it changed.

Changes that no figure reads leave the versions alone: login throttling and
reminder bookkeeping (untracked tables). Sign-in, sign-out and a token's "last
used" change bookkeeping columns only: they raise the version of BOOKKEEPING,
which no figure reads but conditional GETs do (a page may show them).

API for other modules:
- ``cached(name, scope, compute, reads=...)``: the value of ``compute()`` while
  the tables in ``reads`` are unchanged; ``scope`` says who may see it
  (``"region"``, ``"municipality:12"``...), never which user asked, so everyone
  with the same scope shares one computation. The value must be plain data
  (numbers, dataclasses of numbers, dicts): never ORM objects, which belong to
  one request's session. Without ``reads`` a figure reads every table.
- ``cached_many(name, scopes, compute, keep=False, reads=...)``: the same for
  several scopes computed together.
- ``current_generation()``: a number that changes with every write this request
  can see (ETags use it); ``versions()`` the version of each table.
- ``check_versions()``: raises CounterRowsBroken when a table's version row is
  missing or duplicated (the app factory calls it: the app does not start).

With READMODEL_CHECK_READS set (the tests), computing a figure that reads a table
it does not declare raises UndeclaredRead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Table,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql import visitors

from app.db import Base

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Writes to these tables change nothing anyone reads through the read model or a
#: conditional GET: login throttling, reminder bookkeeping, the versions, stored
#: files.
UNTRACKED_TABLES = frozenset(
    {
        "data_version",
        "data_change",
        "login_failure",
        "reminder_sent",
        # Bytes of documents (written with their Document row) and score previews.
        "document_file",
        "pending_import",
        # The inbox: written by most requests that change something, read by the
        # bell (an htmx fragment) and /notifications (never stored): no figure.
        "notification",
        # When each person last opened their dashboard (issue 26 item 8).
        "dashboard_visit",
    }
)
#: Columns whose changes no figure reads (sign-in, sign-out, token use): a write
#: to these alone raises only the BOOKKEEPING version.
BOOKKEEPING_COLUMNS = {
    "user_account": frozenset({"last_login_at", "session_nonce", "remember_seen_at"}),
    "api_token": frozenset({"last_used_at"}),
}
BOOKKEEPING = "bookkeeping"
#: Fold the log into the bases after this many logged commits of a process.
COMPACT_EVERY = 64
#: PostgreSQL advisory lock key: one compaction at a time, the others skip.
_COMPACT_LOCK = 0x7265_6164  # "read"

_LOGGED = "readmodel_logged"  # session.info: tables logged in this transaction
_WROTE = "readmodel_wrote"  # session.info: tables this transaction changed
_MEMO = "readmodel_versions"  # flask.g: the versions this request saw
KEPT = -1  # the version of an entry kept for good


class DataVersion(Base):
    """One row per table: its version, less the rows of the log not folded in."""

    __tablename__ = "data_version"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class DataChange(Base):
    """The change log: one row per table a committed transaction changed."""

    __tablename__ = "data_change"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    table_name: Mapped[str] = mapped_column(String(64), index=True)


class CounterRowsBroken(RuntimeError):
    """The version rows do not match the tables: figures could go stale."""


class UndeclaredRead(AssertionError):
    """A cached figure read a table its ``reads=`` does not name."""


# --- which tables a write changes ----------------------------------------------


def versioned_names(metadata=Base.metadata) -> list[str]:
    """Every name that has a version: the tracked tables and BOOKKEEPING."""
    return sorted({*metadata.tables} - UNTRACKED_TABLES) + [BOOKKEEPING]


def _dependents(table_name: str) -> set[str]:
    """The tables whose rows the database changes when rows of `table_name` are
    deleted (ON DELETE CASCADE / SET NULL), transitively."""
    found: set[str] = set()
    todo = [table_name]
    while todo:
        parent = todo.pop()
        for table in Base.metadata.tables.values():
            for fk in table.foreign_keys:
                if (
                    fk.column.table.name == parent
                    and fk.ondelete
                    and table.name not in found
                ):
                    found.add(table.name)
                    todo.append(table.name)
    return found


def _tracked(table_name: str | None) -> bool:
    return table_name is not None and table_name not in UNTRACKED_TABLES


def _changed_by_object(obj: Any, deleted: bool, new: bool) -> set[str]:
    state = inspect(obj)
    mapper = state.mapper
    table = mapper.local_table.name
    changed: set[str] = set()
    if deleted:
        # The database cascades; the ORM removes the association rows.
        changed |= {table, *_dependents(table)}
        for rel in mapper.relationships:
            if rel.secondary is not None:
                changed.add(rel.secondary.name)
        return changed
    if new:
        changed.add(table)
    bookkeeping = BOOKKEEPING_COLUMNS.get(table, frozenset())
    for attr in state.attrs:
        if not attr.history.has_changes():
            continue
        prop = mapper.attrs[attr.key]
        secondary = getattr(prop, "secondary", None)
        if secondary is not None:
            changed.add(secondary.name)
        elif new:
            continue
        elif attr.key in bookkeeping:
            changed.add(BOOKKEEPING)
        else:
            changed.add(table)
    return changed


def _log(session: Session, tables: set[str]) -> None:
    """Add a log row for each table not yet logged in this transaction."""
    tables = {t for t in tables if t == BOOKKEEPING or _tracked(t)}
    logged = session.info.setdefault(_LOGGED, set())
    new = sorted(tables - logged)
    session.info.setdefault(_WROTE, set()).update(tables - {BOOKKEEPING})
    if not new:
        return
    logged.update(new)
    # On the session's connection, not session.execute: no autoflush, no events.
    session.connection().execute(
        insert(DataChange.__table__), [{"table_name": name} for name in new]
    )


@event.listens_for(Session, "before_flush")
def _log_before_flush(session: Session, _context, _instances) -> None:
    changed: set[str] = set()
    for obj in session.new:
        changed |= _changed_by_object(obj, deleted=False, new=True)
    for obj in session.deleted:
        changed |= _changed_by_object(obj, deleted=True, new=False)
    for obj in session.dirty:
        if obj not in session.deleted:
            changed |= _changed_by_object(obj, deleted=False, new=False)
    if changed:
        _log(session, changed)


@event.listens_for(Session, "do_orm_execute")
def _log_bulk_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if not _tracked(name):
        return
    changed = {name}
    if state.is_update:
        values = {getattr(key, "key", key) for key in (state.statement._values or {})}
        if values and values <= BOOKKEEPING_COLUMNS.get(name, frozenset()):
            changed = {BOOKKEEPING}
    elif state.is_delete:
        changed |= _dependents(name)
    _log(state.session, changed)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:
    if transaction.nested:
        # A savepoint that rolled back took its log rows with it: log again.
        session.info.pop(_LOGGED, None)
    if transaction.parent is None:
        session.info.pop(_LOGGED, None)
        session.info.pop(_WROTE, None)
        if has_request_context():
            # The next figure of this request must see what was just committed.
            g.pop(_MEMO, None)


@event.listens_for(Session, "after_commit")
def _maybe_compact(session: Session) -> None:
    if not session.info.get(_LOGGED) or not has_app_context():
        return
    store = _store()
    with store.lock:
        store.logged_commits += 1
        due = store.logged_commits % COMPACT_EVERY == 0
    if due:
        try:
            compact(session.get_bind())
        except Exception:  # the next compaction folds it in
            log.exception("folding the change log into the versions failed")


def compact(engine: Engine) -> int:
    """Fold the change log into the version rows, in one short transaction of its
    own: every version stays what it was. Returns the number of rows folded."""
    folded = 0
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql" and not connection.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _COMPACT_LOCK}
        ):
            return 0  # another one is at it
        change, version = DataChange.__table__, DataVersion.__table__
        tops = connection.execute(
            select(change.c.table_name, func.max(change.c.id)).group_by(
                change.c.table_name
            )
        ).all()
        for name, top in tops:
            # Only what this DELETE removed is added: a row committed after it
            # (even with a lower id) stays in the log and counts from there.
            gone = connection.execute(
                delete(change).where(change.c.table_name == name, change.c.id <= top)
            ).rowcount
            connection.execute(
                update(version)
                .where(version.c.table_name == name)
                .values(value=version.c.value + gone)
            )
            folded += gone
    return folded


# --- what a request sees -----------------------------------------------------------


def _versions_query():
    change, version = DataChange.__table__, DataVersion.__table__
    return select(version.c.table_name, version.c.value).union_all(
        select(change.c.table_name, func.count()).group_by(change.c.table_name)
    )


#: Built once: every request runs it, and a statement object keeps its cache key
#: (a new one each time would be walked again to find its compiled form).
_VERSIONS_QUERY = _versions_query()


def _read_versions(connection_or_session) -> dict[str, int]:
    found: dict[str, int] = {}
    for name, value in connection_or_session.execute(_VERSIONS_QUERY):
        found[name] = found.get(name, 0) + value
    return found


def versions() -> dict[str, int]:
    """The version of each table, as this request sees it (read once)."""
    from app.extensions import db

    if has_request_context() and _MEMO in g:
        return g.get(_MEMO)
    found = _read_versions(db.session)
    if has_request_context():
        setattr(g, _MEMO, found)
    return found


def current_generation() -> int:
    """A number that grows with every write this request can see, bookkeeping
    included (a conditional GET's data input)."""
    return sum(versions().values())


def _version_of(reads: Iterable[str] | None) -> int:
    seen = versions()
    if reads is None:
        return sum(value for name, value in seen.items() if name != BOOKKEEPING)
    return sum(seen.get(name, 0) for name in reads)


def writing(reads: Iterable[str] | None = None) -> bool:
    """Whether this request's transaction has changed (and not yet committed) one
    of the tables `reads` (any table when None): a figure computed now is nobody
    else's (and wrong after a rollback)."""
    from app.extensions import db

    wrote = db.session.info.get(_WROTE)
    if not wrote:
        return False
    return reads is None or not wrote.isdisjoint(reads)


# --- the start-up check ---------------------------------------------------------------


def check_versions(engine: Engine) -> None:
    """Raise CounterRowsBroken unless every table of the database that has a
    version has exactly one row in data_version (a database not yet migrated,
    without that table, is left to `flask db upgrade`; one that cannot be
    reached is left to /healthz)."""
    try:
        connection = engine.connect()
    except OperationalError:
        log.warning("database unreachable at start: version rows not checked")
        return
    with connection:
        present = set(inspect(connection).get_table_names())
        if DataVersion.__tablename__ not in present:
            return
        version = DataVersion.__table__
        counts = dict(
            connection.execute(
                select(version.c.table_name, func.count()).group_by(
                    version.c.table_name
                )
            ).all()
        )
    expected = [n for n in versioned_names() if n in present or n == BOOKKEEPING]
    missing = [name for name in expected if counts.get(name, 0) == 0]
    doubled = sorted(name for name, n in counts.items() if n > 1)
    if not missing and not doubled:
        return
    lines = ["The read model's version rows (table data_version) are broken:"]
    if missing:
        lines.append(f"  missing for: {', '.join(missing)}")
    if doubled:
        lines.append(f"  more than one for: {', '.join(doubled)}")
    lines.append(
        "Cached figures would go stale. Repair the rows (one per table, e.g."
        " INSERT INTO data_version (table_name, value) VALUES ('<table>', 0),"
        " and keep one of each duplicate), then start the app again."
    )
    raise CounterRowsBroken("\n".join(lines))


@event.listens_for(DataVersion.__table__, "after_create")
def _first_rows(table: Table, connection: Connection, **_kw) -> None:
    # A database made with metadata.create_all gets its rows as migrations do.
    connection.execute(
        insert(table), [{"table_name": n, "value": 0} for n in versioned_names()]
    )


# --- the cache ------------------------------------------------------------------------


class _Store:
    """Per process (per app): (name, scope) → (version, value)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, Hashable], tuple[int, Any]] = {}
        self.lock = threading.Lock()
        self.computed = 0  # how many computations ran (tests read it)
        self.logged_commits = 0


def _store() -> _Store:
    return current_app.extensions.setdefault("readmodel", _Store())


def cached(
    name: str,
    scope: Hashable,
    compute: Callable[[], T],
    *,
    reads: Iterable[str] | None = None,
) -> T:
    """``compute()`` once per scope while the tables it reads are unchanged,
    shared by all requests."""
    return cached_many(name, [scope], lambda _missing: {scope: compute()}, reads=reads)[
        scope
    ]


def _tables_of(statement) -> set[str]:
    return {
        element.name
        for element in visitors.iterate(statement)
        if isinstance(element, Table)
    }


def _checked(name: str, reads: frozenset[str] | None, compute: Callable):
    """``compute`` that raises UndeclaredRead when it reads a table not in
    `reads` (only with READMODEL_CHECK_READS)."""
    if reads is None or not current_app.config.get("READMODEL_CHECK_READS"):
        return compute
    from app.extensions import db

    def run(missing):
        read: set[str] = set()
        mine = threading.get_ident()  # a live server's other requests are not

        def listen(_conn, _cursor, _statement, _params, context, _many):
            if threading.get_ident() != mine:
                return
            compiled = getattr(context, "compiled", None)
            if compiled is not None and compiled.statement is not None:
                read.update(_tables_of(compiled.statement))

        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            value = compute(missing)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        undeclared = read - reads - UNTRACKED_TABLES
        if undeclared:
            raise UndeclaredRead(
                f"figure {name!r} read {sorted(undeclared)} but declares"
                f" reads={sorted(reads)}"
            )
        return value

    return run


def cached_many(
    name: str,
    scopes: Iterable[Hashable],
    compute: Callable[[list[Hashable]], dict[Hashable, Any]],
    *,
    keep: bool = False,
    reads: Iterable[str] | None = None,
) -> dict[Hashable, Any]:
    """The values of several scopes; ``compute(missing)`` gets the scopes not yet
    known in one call (one query for all of them).

    ``reads`` names the tables the computation reads (None: all of them): a write
    to another table leaves the values cached. ``keep=True`` is for figures that
    never change once their scope exists (the results of a closed round, with the
    asked threads in the scope): they are kept whatever changes.
    """

    scopes = list(dict.fromkeys(scopes))
    if not scopes:
        return {}
    if not has_app_context():
        return compute(scopes)
    reads = None if reads is None else frozenset(reads)
    compute = _checked(name, reads, compute)
    version = _version_of(reads)
    store = _store()
    if writing(reads):
        # This transaction changed what the figure reads and has not committed:
        # its value is nobody else's (and would be wrong after a rollback).
        store.computed += 1
        return compute(scopes)
    wanted = KEPT if keep else version
    found: dict[Hashable, Any] = {}
    for scope in scopes:
        entry = store.entries.get((name, scope))
        if entry is not None and entry[0] == wanted:
            found[scope] = entry[1]
    missing = [scope for scope in scopes if scope not in found]
    if missing:
        computed = compute(missing)
        with store.lock:
            store.computed += 1
            for scope in missing:
                current = store.entries.get((name, scope))
                if keep or current is None or current[0] <= version:
                    store.entries[(name, scope)] = (wanted, computed[scope])
        found.update(computed)
    return {scope: found[scope] for scope in scopes}
