"""Upload, download and removal of a dossier's documents."""

import io

from flask import abort, current_app, redirect, send_file, url_for
from flask_login import current_user

from app.auth import permissions as perm
from app.auth.access import check, requires
from app.documents import bp, documents, storage
from app.documents.forms import DocumentForm
from app.documents.models import Document
from app.extensions import db
from app.subsidies import listing
from app.subsidies.models import ReportingObligation


def _visible_document(document_id: int) -> Document:
    """The document if the user may see its dossier; 404 otherwise."""
    document = db.session.get(Document, document_id)
    if document is None or document.archived_at is not None:
        abort(404)
    application = listing.get_application(document.application_id)
    if application is None or not perm.can_view_application(current_user, application):
        abort(404)
    return document


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
    try:
        documents.add_document(
            application,
            form.file.data.read(documents.max_bytes() + 1),
            form.file.data.filename,
            form.kind.data,
            obligation,
            bool(form.mark_done.data),
            current_user._get_current_object(),
        )
    except storage.DocumentRefused as error:
        form.file.errors.append(str(error))
        return _refused(application, form)
    target = url_for("subsidies.application", application_id=application.id)
    return redirect(f"{target}#dossier-documents", code=303)


@bp.get("/documents/<int:document_id>")
@requires(perm.is_signed_in)
def download(document_id: int):
    """The file, as an attachment, for those who may see the dossier."""
    document = _visible_document(document_id)
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
    """Remove a document from its dossier (kept in the archive)."""
    document = _visible_document(document_id)
    application = listing.get_application(document.application_id)
    check(perm.can_manage_application(current_user, application))
    documents.archive_document(document, current_user._get_current_object())
    target = url_for("subsidies.application", application_id=document.application_id)
    return redirect(f"{target}#dossier-documents", code=303)
