"""Upload, download and removal of the documents of a dossier, call, talk, task
or meeting."""

import io

from flask import abort, current_app, redirect, render_template, send_file, url_for
from flask_login import current_user

from app.auth import permissions as perm
from app.auth.access import check, requires
from app.documents import bp, documents, owners, storage
from app.documents.forms import DocumentForm
from app.documents.models import Document
from app.extensions import db
from app.subsidies.models import ReportingObligation


def _visible_document(document_id: int) -> tuple[Document, owners.OwnerKind, object]:
    """The document, its owner kind and owner if the user may see the owner's
    documents; 404 otherwise (whether it exists is private too)."""
    document = db.session.get(Document, document_id)
    if document is None or document.archived_at is not None:
        abort(404)
    owner_kind, owner = owners.owner_of(document)
    if owner is None or not perm.can_view_documents(
        current_user, owner_kind.table, owner
    ):
        abort(404)
    return document, owner_kind, owner


def _back_to(owner_kind: owners.OwnerKind, owner) -> object:
    return redirect(f"{owner_kind.page(owner)}#{owner_kind.section}", code=303)


def _store(owner, form: DocumentForm, obligation=None) -> bool:
    """Store the uploaded file on `owner`; False (the reason on the form) if refused."""
    try:
        documents.add_document(
            owner,
            form.file.data.read(documents.max_bytes() + 1),
            form.file.data.filename,
            form.kind.data,
            obligation,
            bool(getattr(form, "mark_done", None) and form.mark_done.data),
            current_user._get_current_object(),
        )
    except storage.DocumentRefused as error:
        form.file.errors.append(str(error))
        return False
    return True


def _refused(application, form):
    from app.subsidies.views import _dossier

    return _dossier(application, status=422, document_form=form)


@bp.post("/applications/<int:application_id>/documents")
@requires(perm.is_signed_in)
def upload(application_id: int):
    """Add a document to a dossier (and perhaps to one of its obligations)."""
    from app.subsidies.views import _managed

    application = _managed(application_id)
    form = DocumentForm(application, prefix="document")
    if not form.validate_on_submit():
        return _refused(application, form)
    obligation = None
    if form.obligation_id.data:
        obligation = db.session.get(ReportingObligation, form.obligation_id.data)
        if obligation is None or obligation.application_id != application.id:
            abort(404)
    if not _store(application, form, obligation):
        return _refused(application, form)
    target = url_for("subsidies.application", application_id=application.id)
    return redirect(f"{target}#dossier-documents", code=303)


def _managed_owner(segment: str, owner_id: int):
    """The call, talk, task or meeting whose documents the user may manage: 404
    when it does not exist (or, like a dossier's task, is not theirs to see),
    403 when they may not upload."""
    owner_kind = owners.BY_SEGMENT[segment]
    owner = db.session.get(owner_kind.model(), owner_id)
    if owner is None:
        abort(404)
    if owner_kind.table == "task" and not perm.can_view_documents(
        current_user, "task", owner
    ):
        abort(404)
    check(perm.can_manage_documents(current_user, owner_kind.table, owner))
    return owner_kind, owner


@bp.post("/<any(calls, talks, tasks, meetings):segment>/<int:owner_id>/documents")
@requires(perm.is_signed_in)
def owner_upload(segment: str, owner_id: int):
    """Add a document to a call (regulations), talk (notes), task (deliverables)
    or meeting (minutes)."""
    owner_kind, owner = _managed_owner(segment, owner_id)
    form = DocumentForm(owner, prefix="document")
    if form.validate_on_submit() and _store(owner, form):
        return _back_to(owner_kind, owner)
    page = render_template(
        "documents/upload.html", owner=owner, owner_kind=owner_kind, document_form=form
    )
    return page, 422


@bp.get("/documents/<int:document_id>")
@requires(perm.is_signed_in)
def download(document_id: int):
    """The file, as an attachment, for those who may see its owner's documents."""
    document, _kind, _owner = _visible_document(document_id)
    data = storage.read(document.storage_key)
    if data is None:
        current_app.logger.error("document %s: file missing", document.id)
        abort(404)
    # Documents are small (DOCUMENT_MAX_BYTES): read whole.
    response = send_file(
        io.BytesIO(data),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/documents/<int:document_id>/archive")
@requires(perm.is_signed_in)
def archive(document_id: int):
    """Remove a document from its owner (kept in the archive)."""
    document, owner_kind, owner = _visible_document(document_id)
    check(perm.can_manage_documents(current_user, owner_kind.table, owner))
    documents.archive_document(document, current_user._get_current_object())
    return _back_to(owner_kind, owner)
