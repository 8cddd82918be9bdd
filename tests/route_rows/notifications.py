"""Routes of notifications (issue 26): inbox, bell, settings, follow buttons,
the one-click unsubscribe per kind, and reminders to municipalities."""

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.notifications.mailing import unsubscribe_token
from tests.route_rows import Route, action, page

SIGNED_IN = {"coordinator": 303, "lead": 303, "municipality": 303, "viewer": 303}
EVERYONE = ("anonymous", "coordinator", "lead", "municipality", "viewer")


def _unsubscribe(email: str) -> str:
    user = db.session.scalar(select(User).where(User.email == email))
    return unsubscribe_token(user, ["comment", "mentioned"])


PLACEHOLDERS = {
    "izegem_notify_unsubscribe": lambda: _unsubscribe("izegem@midwest.example"),
}
FOLLOW = {"following": "1"}

ROUTES = [
    page("/notifications"),
    page("/notifications?unread=1&kind=comment"),
    page("/notifications/bell"),
    page("/profile/notifications"),
    action(
        "POST",
        "/profile/notifications",
        {"coordinator": 422, "lead": 422, "municipality": 422, "viewer": 422},
        data={"lead_task": "-1"},
    ),
    action("POST", "/notifications/read", SIGNED_IN),
    # Someone else's (or no) notification: nothing changes, back to the inbox.
    action("POST", "/notifications/999999/read", SIGNED_IN),
    action(
        "POST",
        "/applications/{izegem_app}/follow",
        {"coordinator": 303, "lead": 404, "municipality": 303},
        data=FOLLOW,
    ),
    action(
        "POST",
        "/applications/{staden_app}/follow",
        {"coordinator": 303, "lead": 404, "municipality": 404},
        data=FOLLOW,
    ),
    action("POST", "/tasks/{own_task}/follow", SIGNED_IN, data=FOLLOW),
    action("POST", "/groups/{own_group}/follow", SIGNED_IN, data=FOLLOW),
    action("POST", "/calls/{open_call}/follow", SIGNED_IN, data=FOLLOW),
    action("POST", "/threads/{thread}/follow", SIGNED_IN, data=FOLLOW),
    action("POST", "/rounds/{open_round}/remind", {"coordinator": 303}),
    action("POST", "/calls/{open_call}/remind", {"coordinator": 303}),
    # The signed link is the key (RFC 8058 one-click: no session, no CSRF token).
    Route(
        "GET",
        "/notifications/unsubscribe/{izegem_notify_unsubscribe}",
        dict.fromkeys(EVERYONE, 200),
    ),
    Route(
        "POST",
        "/notifications/unsubscribe/{izegem_notify_unsubscribe}",
        dict.fromkeys(EVERYONE, 200),
    ),
    Route(
        "GET", "/notifications/unsubscribe/not-a-token", dict.fromkeys(EVERYONE, 404)
    ),
]
