"""Routes of documents: upload (on a dossier, call, talk, task or meeting),
download, removal.

The document used is one on an Izegem dossier (placed by the placeholder): the
coordinator and izegem@ may download it; lead@ (Roeselare) and viewers get 404.
The uploads send no file: who may upload gets the form back (422), nothing changes.
"""

from sqlalchemy import select

from app.documents import documents
from app.documents.models import Document
from app.extensions import db
from app.subsidies.models import Application
from tests.route_rows import Route, action

PDF = b"%PDF-1.4\n%%EOF\n"


def _izegem_document() -> int:
    application = db.session.scalar(
        select(Application).where(Application.reference == "EINCL-2021-IZEGEM")
    )
    existing = db.session.scalar(
        select(Document.id).where(
            Document.application_id == application.id, Document.archived_at.is_(None)
        )
    )
    if existing:
        return existing
    return documents.add_document(
        application, PDF, "brief.pdf", "annex", None, False, None
    ).id


PLACEHOLDERS = {"izegem_document": _izegem_document}

ROUTES = [
    Route(
        "GET",
        "/documents/{izegem_document}",
        {
            "anonymous": 302,
            "coordinator": 200,
            "lead": 404,
            "municipality": 200,
            "viewer": 404,
        },
    ),  # fmt: skip
    Route(
        "POST",
        "/documents/{izegem_document}/archive",
        {
            "anonymous": 302,
            "coordinator": 303,
            "lead": 404,
            "municipality": 403,
            "viewer": 404,
        },
    ),  # fmt: skip
    # No file: the coordinator gets the form back (422).
    Route(
        "POST",
        "/applications/{izegem_app}/documents",
        {
            "anonymous": 302,
            "coordinator": 422,
            "lead": 404,
            "municipality": 403,
            "viewer": 403,
        },
    ),  # fmt: skip
    # Who edits the owner uploads: calls, talks and meetings the coordinator,
    # a task also its group's lead.
    action("POST", "/calls/{open_call}/documents", {"coordinator": 422}),
    action("POST", "/talks/{talk}/documents", {"coordinator": 422}),
    action("POST", "/tasks/{own_task}/documents", {"coordinator": 422, "lead": 422}),
    action("POST", "/meetings/{past_meeting}/documents", {"coordinator": 422}),
]
