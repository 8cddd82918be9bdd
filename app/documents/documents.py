"""Adding, listing and removing the documents of a dossier, call, talk, task or
meeting (app.documents.owners)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock, signals
from app.activity.log import record
from app.auth import permissions
from app.db import utcnow
from app.documents import owners, storage
from app.documents.models import Document
from app.extensions import db
from app.formatting import fmt_megabytes
from app.subsidies import dossiers
from app.subsidies.models import ReportingObligation


def owner_documents(owner: Any) -> list[Document]:
    """The documents of a dossier, call, talk, task or meeting that are not
    removed, newest first (one query, and one for the uploaders)."""
    column = getattr(Document, owners.kind_of(owner).column)
    return list(
        db.session.scalars(
            select(Document)
            .where(column == owner.id, Document.archived_at.is_(None))
            .options(selectinload(Document.uploaded_by))
            .order_by(Document.uploaded_at.desc(), Document.id.desc())
        )
    )


def max_bytes() -> int:
    return int(current_app.config["DOCUMENT_MAX_BYTES"])


def add_document(
    owner: Any,
    data: bytes,
    filename: str | None,
    kind: str,
    obligation: ReportingObligation | None,
    mark_done: bool,
    actor: Any,
) -> Document:
    """Check and store an uploaded file on a dossier (perhaps for one of its
    obligations), call, talk, task or meeting; DocumentRefused says why not."""
    if len(data) > max_bytes():
        raise storage.DocumentRefused(
            _(
                "This file is larger than %(mb)s MB.",
                mb=fmt_megabytes(max_bytes()),
            )
        )
    file_type = storage.detect_type(data)
    owner_kind = owners.kind_of(owner)
    document = Document(
        obligation_id=obligation.id if obligation else None,
        kind=kind,
        filename=storage.safe_filename(filename, file_type),
        content_type=file_type.mimetype,
        size=len(data),
        storage_key=storage.store(data),
        uploaded_by_id=getattr(actor, "id", None),
        **{owner_kind.column: owner.id},
    )
    db.session.add(document)
    _record("upload", document, owner_kind, owner, actor)
    if owner_kind.table == "application":
        signals.dossier_changed.send(
            owner, what="document", actor=actor, detail=document.filename
        )
    if obligation is not None and mark_done:
        dossiers.update_obligation(
            obligation,
            {"due_on": obligation.due_on, "status": "done"},
            clock.today(),
            actor,
        )
    db.session.commit()
    return document


def archive_document(document: Document, actor: Any) -> None:
    """Remove a document from its owner (the file is kept for the record)."""
    if document.archived_at is not None:
        return
    document.archived_at = utcnow()
    owner_kind, owner = owners.owner_of(document)
    _record("archive", document, owner_kind, owner, actor)
    db.session.commit()


def _record(
    action: str, document: Document, owner_kind: Any, owner: Any, actor: Any
) -> None:
    """The activity entry of an upload or removal: read by who may read about the
    owner (a dossier's, or a dossier task's, by its dossier's readers; a talk's
    by the coordinator; a call's, task's or meeting's regionally)."""
    dossier_id = owners.dossier_id_of(owner)
    audience = permissions.activity_audience(owner_kind.table, None, dossier_id)
    if owner_kind.table == "meeting":  # meeting pages are regional
        audience = permissions.AUDIENCE_REGIONAL
    record(
        action,
        document,
        details={"dossier": owner_kind.title(owner) if owner else ""},
        municipality_id=getattr(owner, "lead_municipality_id", None),
        audience=audience,
        application_id=dossier_id,
        actor=actor,
    )
