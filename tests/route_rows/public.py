"""Routes of the public pages, open data, publishing, the API and API tokens.

The demo publishes its first two themes, its granted dossiers and its closed
round; the third theme is unpublished. Public pages answer everyone alike; the API
answers a token, never a session (401 for every signed-in role here).
"""

from sqlalchemy import select

from app.extensions import db
from tests.route_rows import ROLES, Route, action

EVERYONE = {role: 200 for role in ROLES}
NOBODY = {role: 404 for role in ROLES}
API_REFUSED = {role: 401 for role in ROLES}
SIGNED_IN = ("coordinator", "lead", "municipality", "viewer")


def _theme_id(position: int) -> int:
    from app.work.models import Theme

    return db.session.scalars(select(Theme.id).order_by(Theme.id)).all()[position]


def _granted_id() -> int:
    from app.subsidies.models import Application

    return db.session.scalar(
        select(Application.id).where(Application.status == "granted").limit(1)
    )


def _closed_round_id() -> int:
    from app.strategy.models import ScoringRound

    return db.session.scalar(
        select(ScoringRound.id).where(ScoringRound.status == "closed").limit(1)
    )


PLACEHOLDERS = {
    "published_theme": lambda: _theme_id(0),
    "unpublished_theme": lambda: _theme_id(2),
    "granted_application": _granted_id,
    "closed_round": _closed_round_id,
}

COORDINATOR_ONLY = {"coordinator": 303}

ROUTES = [
    Route("GET", "/public", EVERYONE),
    Route("GET", "/public?lang=en", EVERYONE),
    Route("GET", "/public/themes/{published_theme}", EVERYONE),
    Route("GET", "/public/themes/{unpublished_theme}", NOBODY),
    Route("GET", "/public/municipalities/roeselare", EVERYONE),
    Route("GET", "/public/municipalities/no-such-place", NOBODY),
    Route("GET", "/public/data/funded-projects.csv", EVERYONE),
    Route("GET", "/public/data/rollout.csv", EVERYONE),
    Route("GET", "/public/data/no-such-data.csv", NOBODY),
    Route("GET", "/public/data/funded-projects.json", EVERYONE),
    Route("GET", "/public/data/rollout.json", EVERYONE),
    Route("GET", "/public/data/datapackage.json", EVERYONE),
    action("POST", "/publications/theme/{unpublished_theme}", COORDINATOR_ONLY),
    action("POST", "/publications/theme/{published_theme}/withdraw", COORDINATOR_ONLY),
    action(
        "POST",
        "/publications/application/{granted_application}/withdraw",
        COORDINATOR_ONLY,
    ),
    action("POST", "/publications/round/{closed_round}", COORDINATOR_ONLY),
    Route("GET", "/api/v1/", EVERYONE),
    Route("GET", "/api/v1/openapi.json", EVERYONE),
    Route("GET", "/api/v1/no-such-thing", NOBODY),
    Route("GET", "/api/v1/me", API_REFUSED),
    Route("GET", "/api/v1/tasks", API_REFUSED),
    Route("GET", "/api/v1/deadlines", API_REFUSED),
    Route("GET", "/api/v1/dossiers", API_REFUSED),
    Route("GET", "/api/v1/dossiers/{granted_application}", API_REFUSED),
    Route("GET", "/api/v1/rollout", API_REFUSED),
    Route("GET", "/api/v1/rounds", API_REFUSED),
    Route("GET", "/api/v1/rounds/{closed_round}/results", API_REFUSED),
    action(
        "POST",
        "/profile/api-tokens",
        {role: 200 for role in SIGNED_IN},
        data={"token-name": "Spreadsheet"},
    ),
    action(
        "POST",
        "/profile/api-tokens/1/revoke",
        {role: 404 for role in SIGNED_IN},
    ),
]
