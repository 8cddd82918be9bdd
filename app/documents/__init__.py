"""Documents on dossiers: approval letters, reports and annexes, kept on disk."""

from flask import Blueprint

bp = Blueprint("documents", __name__)


@bp.app_context_processor
def document_helpers() -> dict:
    """What the dossier page needs to list documents and offer the upload form."""
    from app.documents.documents import dossier_documents
    from app.documents.forms import DocumentForm

    def new_document_form(application):
        return DocumentForm(application, formdata=None, prefix="document")

    return {
        "dossier_documents": dossier_documents,
        "new_document_form": new_document_form,
    }
