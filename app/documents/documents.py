"""Adding, listing and removing the documents of a dossier."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock, signals
from app.activity.log import record
from app.db import utcnow
from app.documents import storage
from app.documents.models import Document
from app.extensions import db
from app.formatting import fmt_megabytes
from app.subsidies import dossiers
from app.subsidies.models import Application, ReportingObligation


def dossier_documents(application_id: int) -> list[Document]:
    """The documents of a dossier that are not removed, newest first (one query)."""
    return list(
        db.session.scalars(
            select(Document)
            .where(
                Document.application_id == application_id,
                Document.archived_at.is_(None),
            )
            .options(selectinload(Document.uploaded_by))
            .order_by(Document.uploaded_at.desc(), Document.id.desc())
        )
    )


def max_bytes() -> int:
    return int(current_app.config["DOCUMENT_MAX_BYTES"])


def add_document(
    application: Application,
    data: bytes,
    filename: str | None,
    kind: str,
    obligation: ReportingObligation | None,
    mark_done: bool,
    actor: Any,
) -> Document:
    """Check and store an uploaded file; DocumentRefused says why not."""
    if len(data) > max_bytes():
        raise storage.DocumentRefused(
            _(
                "This file is larger than %(mb)s MB.",
                mb=fmt_megabytes(max_bytes()),
            )
        )
    file_type = storage.detect_type(data)
    document = Document(
        application_id=application.id,
        obligation_id=obligation.id if obligation else None,
        kind=kind,
        filename=storage.safe_filename(filename, file_type),
        content_type=file_type.mimetype,
        size=len(data),
        storage_key=storage.store(data),
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(document)
    record(
        "upload",
        document,
        details={"dossier": application.title},
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    signals.dossier_changed.send(
        application, what="document", actor=actor, detail=document.filename
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
    """Remove a document from the dossier (the file is kept for the record)."""
    if document.archived_at is not None:
        return
    document.archived_at = utcnow()
    record(
        "archive",
        document,
        details={"dossier": document_dossier_title(document)},
        actor=actor,
    )
    db.session.commit()


def document_dossier_title(document: Document) -> str:
    application = db.session.get(Application, document.application_id)
    return application.title if application else ""
