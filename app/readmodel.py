"""The read model: figures many pages share, computed once per data generation.

One row holds the *data generation*, a counter that every write bumps in its own
transaction (a session event below: ORM flushes and bulk/core statements alike).
A request reads it once (one indexed read) and finds computed figures in a
per-process cache under (name, scope); an entry made under an older generation is
recomputed. A write through any worker on any host is therefore seen by the very
next read everywhere, and aggregates are computed once per change instead of once
per request.

API for other modules:
- ``cached(name, scope, compute)``: the value of ``compute()`` for this generation;
  ``scope`` says who may see it (``"region"``, ``"municipality:12"``...), never
  which user asked, so everyone with the same scope shares one computation. The
  value must be plain data (numbers, dataclasses of numbers, dicts): never ORM
  objects, which belong to one request's session.
- ``current_generation()``: the generation this request sees (ETags use it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import Integer, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base

T = TypeVar("T")

#: Writes to these tables change no figure anyone reads: they leave the
#: generation alone (login throttling, reminder bookkeeping, the counter itself).
UNTRACKED_TABLES = frozenset({"data_generation", "login_failure", "reminder_sent"})
_BUMPED = "readmodel_bumped"  # session.info: this transaction bumped already
_MEMO = "readmodel_generation"  # flask.g: the generation this request saw
ROW_ID = 1
KEPT = -1  # the generation of an entry kept for good


class DataGeneration(Base):
    """One row: how many write transactions the data has seen."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


def _bump(session: Session) -> None:
    """Raise the generation once per transaction, in that transaction."""
    if session.info.get(_BUMPED):
        return
    session.info[_BUMPED] = True
    table = DataGeneration.__table__
    # On the session's connection, not session.execute: no autoflush, no events.
    session.connection().execute(
        update(table).where(table.c.id == ROW_ID).values(value=table.c.value + 1)
    )


def _tracked(table_name: str | None) -> bool:
    return table_name is not None and table_name not in UNTRACKED_TABLES


@event.listens_for(Session, "before_flush")
def _bump_before_flush(session: Session, _context, _instances) -> None:
    # Before the rows are written, so every writing transaction takes the counter
    # row first (on PostgreSQL writers queue there instead of deadlocking).
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _tracked(getattr(type(obj), "__tablename__", None)):
            _bump(session)
            return


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if _tracked(getattr(table, "name", None)):
        _bump(state.session)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_BUMPED, None)
        if has_request_context():
            # The next figure of this request must see what was just committed.
            g.pop(_MEMO, None)


def current_generation() -> int:
    """The data generation this request sees (read once per request)."""
    from app.extensions import db

    if has_request_context() and _MEMO in g:
        return g.get(_MEMO)
    value = db.session.scalar(
        select(DataGeneration.value).where(DataGeneration.id == ROW_ID)
    )
    value = 0 if value is None else value
    if has_request_context():
        setattr(g, _MEMO, value)
    return value


def writing() -> bool:
    """Whether this request's transaction has written and not yet committed: what
    it computes now is nobody else's (and wrong after a rollback)."""
    from app.extensions import db

    return bool(db.session.info.get(_BUMPED))


class _Store:
    """Per process (per app): (name, scope) → (generation, value)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, Hashable], tuple[int, Any]] = {}
        self.lock = threading.Lock()
        self.computed = 0  # how many computations ran (tests read it)


def _store() -> _Store:
    return current_app.extensions.setdefault("readmodel", _Store())


def cached(name: str, scope: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per data generation and scope, shared by all requests."""
    return cached_many(name, [scope], lambda _missing: {scope: compute()})[scope]


def cached_many(
    name: str,
    scopes: Iterable[Hashable],
    compute: Callable[[list[Hashable]], dict[Hashable, Any]],
    *,
    keep: bool = False,
) -> dict[Hashable, Any]:
    """The values of several scopes; ``compute(missing)`` gets the scopes not yet
    known for this generation in one call (one query for all of them).

    ``keep=True`` is for figures that never change once their scope exists (the
    results of a closed round, with the asked threads in the scope): they are
    kept across generations.
    """

    scopes = list(dict.fromkeys(scopes))
    if not scopes:
        return {}
    if not has_app_context():
        return compute(scopes)
    generation = current_generation()
    store = _store()
    if writing():
        # This transaction wrote and has not committed: its figures are nobody
        # else's (and would be wrong under that generation after a rollback).
        store.computed += 1
        return compute(scopes)
    wanted = KEPT if keep else generation
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
                if keep or current is None or current[0] <= generation:
                    store.entries[(name, scope)] = (wanted, computed[scope])
        found.update(computed)
    return {scope: found[scope] for scope in scopes}
