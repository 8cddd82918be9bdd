"""Documents on dossiers (approval letters, reports, annexes), calls
(regulations), talks (notes), tasks (deliverables) and meetings (minutes)."""

from flask import Blueprint

bp = Blueprint("documents", __name__)


@bp.app_context_processor
def document_helpers() -> dict:
    """What a documents section needs to list documents and offer the upload form."""
    from app.documents.documents import owner_documents
    from app.documents.forms import DocumentForm
    from app.documents.owners import kind_of

    def new_document_form(owner):
        return DocumentForm(owner, formdata=None, prefix="document")

    return {
        "owner_documents": owner_documents,
        "document_owner_kind": kind_of,
        "new_document_form": new_document_form,
    }
