"""Routes of comments on dossiers, tasks and threads (issue 26 item 4).

The dossier is Izegem's (izegem@ and the coordinator may open it; lead@ of
Roeselare and viewers get 404); the comment is izegem@'s on it. A task outside
any dossier and a thread are regional: everyone reads their comments, viewers
post none. An empty comment answers 422 to who may post.
"""

from sqlalchemy import select

from app.auth.models import User
from app.comments import comments
from app.extensions import db
from app.subsidies.models import Application
from tests.route_rows import Route, action, page
from tests.route_rows.public import API_REFUSED


def _izegem_comment() -> int:
    dossier = db.session.scalar(
        select(Application).where(Application.reference == "EINCL-2021-IZEGEM")
    )
    author = db.session.scalar(
        select(User).where(User.email == "izegem@midwest.example")
    )
    comment = comments.post_comment("applications", dossier, author, "Ter info", [])
    db.session.commit()
    return comment.id


PLACEHOLDERS = {"izegem_comment": _izegem_comment}

EMPTY = {"body": ""}
DOSSIER = {"anonymous": 302, "lead": 404, "viewer": 404}

ROUTES = [
    # The API answers a session with 401 (a token is needed): see test_comments.
    Route("GET", "/api/v1/dossiers/{izegem_app}/comments", API_REFUSED),
    Route("GET", "/api/v1/tasks/{other_task}/comments", API_REFUSED),
    Route("GET", "/api/v1/threads/{thread}/comments", API_REFUSED),
    Route(
        "GET",
        "/applications/{izegem_app}/comments",
        DOSSIER | {"coordinator": 200, "municipality": 200},
    ),
    Route(
        "POST",
        "/applications/{izegem_app}/comments",
        DOSSIER | {"coordinator": 422, "municipality": 422},
        EMPTY,
    ),
    Route(
        "POST",
        "/applications/{izegem_app}/comments",
        # htmx from an expired session: 401 with HX-Redirect to the login page.
        DOSSIER | {"anonymous": 401, "coordinator": 422, "municipality": 422},
        EMPTY,
        htmx=True,
    ),
    page("/tasks/{other_task}/comments"),
    action(
        "POST",
        "/tasks/{other_task}/comments",
        {"coordinator": 422, "lead": 422, "municipality": 422},
        data=EMPTY,
    ),
    page("/threads/{thread}/comments"),
    action(
        "POST",
        "/threads/{thread}/comments",
        {"coordinator": 422, "lead": 422, "municipality": 422},
        data=EMPTY,
    ),
    Route(
        "GET",
        "/comments/{izegem_comment}/edit",
        DOSSIER | {"coordinator": 403, "municipality": 200},
    ),
    Route(
        "POST",
        "/comments/{izegem_comment}/edit",
        DOSSIER | {"coordinator": 403, "municipality": 303},
        {"body": "Aangepast"},
    ),
    Route(
        "POST",
        "/comments/{izegem_comment}/delete",
        DOSSIER | {"coordinator": 303, "municipality": 303},
    ),
]
