"""Routes of deadlines, calendar feeds and the profile's calendar token."""

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.route_rows import Route, action, page

SIGNED_IN = {"coordinator": 303, "lead": 303, "municipality": 303, "viewer": 303}
EVERYONE_200 = {"anonymous": 200, "coordinator": 200, "lead": 200}


def _token(email: str) -> str:
    return db.session.scalar(select(User.calendar_token).where(User.email == email))


PLACEHOLDERS = {"izegem_token": lambda: _token("izegem@midwest.example")}

ROUTES = [
    page("/deadlines"),
    page("/deadlines?scope=region&when=overdue"),
    # The token is the key: no sign-in needed, anyone holding it gets the feed.
    Route(
        "GET",
        "/calendar/{izegem_token}.ics",
        EVERYONE_200 | {"municipality": 200, "viewer": 200},
    ),
    Route(
        "GET",
        "/calendar/not-a-token.ics",
        {
            "anonymous": 404,
            "coordinator": 404,
            "lead": 404,
            "municipality": 404,
            "viewer": 404,
        },
    ),
    action("POST", "/profile/calendar-token", SIGNED_IN),
]
