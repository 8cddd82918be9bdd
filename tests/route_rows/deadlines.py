"""Routes of deadlines, calendar feeds, the profile's calendar token and digest
setting, and the digest's unsubscribe link."""

from sqlalchemy import select

from app.auth.models import User
from app.deadlines.reminders import unsubscribe_token
from app.extensions import db
from tests.route_rows import Route, action, page

SIGNED_IN = {"coordinator": 303, "lead": 303, "municipality": 303, "viewer": 303}
EVERYONE_200 = {"anonymous": 200, "coordinator": 200, "lead": 200}


def _token(email: str) -> str:
    return db.session.scalar(select(User.calendar_token).where(User.email == email))


def _unsubscribe(email: str) -> str:
    return unsubscribe_token(db.session.scalar(select(User).where(User.email == email)))


PLACEHOLDERS = {
    "izegem_token": lambda: _token("izegem@midwest.example"),
    "izegem_unsubscribe": lambda: _unsubscribe("izegem@midwest.example"),
}
ALL_404 = {
    r: 404 for r in ("anonymous", "coordinator", "lead", "municipality", "viewer")
}

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
    action("POST", "/profile/digest", SIGNED_IN, data={"digest-digest": "y"}),
    # The signed link is the key (and the one-click POST of RFC 8058 comes
    # without a CSRF token): whoever holds it may stop that one user's digest.
    Route(
        "GET",
        "/reminders/unsubscribe/{izegem_unsubscribe}",
        EVERYONE_200 | {"municipality": 200, "viewer": 200},
    ),
    Route(
        "POST",
        "/reminders/unsubscribe/{izegem_unsubscribe}",
        EVERYONE_200 | {"municipality": 200, "viewer": 200},
    ),
    Route("GET", "/reminders/unsubscribe/forged", ALL_404),
    Route("POST", "/reminders/unsubscribe/forged", ALL_404),
]
