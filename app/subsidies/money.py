"""The upkeep of the summary rows of the roll-up per municipality
(`MunicipalityMoney`), in the writing transaction itself.

A flush that changes dossiers, partners or payments adds to each summary row the
difference it makes: the affected dossiers' figures per municipality are added
up before the flush and again after it (`rollups.municipality_sums`, the one
definition), and each row gets `after − before` with an UPDATE that adds
(`value = value + delta`). Adding, not overwriting, keeps two transactions about
the same municipality correct on PostgreSQL (the second adds to what the first
committed); two transactions about different municipalities touch different
rows and never wait for each other. On PostgreSQL the flush first locks the
rows of the dossiers it changes, so a second writer of the same dossier reads
their figures after the first one's commit (not before it, which would count
the first one's change twice).

A bulk statement on those tables (`session.execute(insert(...))`, as the
benchmark data is written) names no dossiers: the summary is computed again
from scratch at the commit (`rebuild`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import Session

from app.archive import not_archived
from app.subsidies import rollups
from app.subsidies.models import (
    Application,
    ApplicationPartner,
    MunicipalityMoney,
    Payment,
)

#: The tables whose rows the summary adds up.
SOURCES = frozenset(rollups.ROLLUP_READS)
#: The columns of a dossier that its figures per municipality depend on.
DOSSIER_COLUMNS = (
    "status",
    "requested_amount",
    "granted_amount",
    "lead_municipality_id",
    "archived_at",
)
_BEFORE = "municipality_money_before"  # session.info: (ids, sums, objects)
_REBUILD = "municipality_money_rebuild"  # session.info: a bulk statement ran
ZEROS = (0,) * len(rollups.MONEY_FIGURES)


def _dossier_ids(obj: Any) -> set[int]:
    """The ids of the dossiers whose figures `obj` changes (old and new)."""
    state = inspect(obj)
    if isinstance(obj, Application):
        ids = {obj.id}
    else:
        history = state.attrs.application_id.history
        ids = {*history.added, *history.unchanged, *history.deleted}
        # Attached through the relationship only: its dossier (never loaded here).
        dossier = state.dict.get("application")
        if dossier is not None:
            ids.add(dossier.id)
    return {i for i in ids if i is not None}


def _changes_figures(obj: Any, session: Session) -> bool:
    if isinstance(obj, (ApplicationPartner, Payment)):
        return True
    if not isinstance(obj, Application):
        return False
    if obj in session.new or obj in session.deleted:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in DOSSIER_COLUMNS)


def _sums(connection: Any, ids: set[int]) -> dict:
    if not ids:
        return {}
    among = select(Application.id).where(
        Application.id.in_(sorted(ids)), not_archived(Application)
    )
    return rollups.municipality_sums(connection, among=among)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    objects = [
        obj
        for obj in (*session.new, *session.dirty, *session.deleted)
        if _changes_figures(obj, session)
    ]
    if not objects:
        return
    ids = set().union(*(_dossier_ids(obj) for obj in objects))
    # On the connection: no autoflush in the middle of this one.
    connection = session.connection()
    if ids and connection.dialect.name == "postgresql":
        # Their figures are read after another writer of the same dossiers
        # commits (a second partner's share changes the lead's figures too):
        # otherwise both would add that writer's change. FOR NO KEY UPDATE,
        # as an UPDATE of the row takes: an insert that refers to the dossier
        # (a task, a document) does not wait for it.
        connection.execute(
            select(Application.id)
            .where(Application.id.in_(sorted(ids)))
            .with_for_update(key_share=True)
        )
    session.info[_BEFORE] = (ids, _sums(connection, ids), objects)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    found = session.info.pop(_BEFORE, None)
    if found is None:
        return
    ids, before, objects = found
    for obj in objects:
        ids |= _dossier_ids(obj)
    connection = session.connection()
    add(connection, before, _sums(connection, ids))


def add(connection: Any, before: dict, after: dict) -> None:
    """Add `after − before` (per (municipality, role), MONEY_FIGURES) to the
    summary rows, making the rows that are missing."""
    rows = []
    for key in sorted(before.keys() | after.keys()):
        delta = [
            new - old
            for new, old in zip(
                after.get(key, ZEROS), before.get(key, ZEROS), strict=True
            )
        ]
        if any(delta):
            rows.append(
                {
                    "municipality_id": key[0],
                    "role": key[1],
                    **dict(zip(rollups.MONEY_FIGURES, delta, strict=True)),
                }
            )
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(MunicipalityMoney.__table__)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["municipality_id", "role"],
            set_={
                name: MunicipalityMoney.__table__.c[name] + statement.excluded[name]
                for name in rollups.MONEY_FIGURES
            },
        ),
        rows,
    )


def rebuild(connection: Any) -> None:
    """The summary computed again from every dossier."""
    connection.execute(delete(MunicipalityMoney.__table__))
    add(connection, {}, rollups.municipality_sums(connection))


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in SOURCES:
        state.session.info[_REBUILD] = True


@event.listens_for(Session, "before_commit")
def _rebuild_after_bulk(session: Session) -> None:
    if session.info.get(_REBUILD):
        session.flush()
        rebuild(session.connection())
        session.info.pop(_REBUILD, None)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_BEFORE, None)
        session.info.pop(_REBUILD, None)
