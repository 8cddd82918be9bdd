"""Routes of the user administration and the activity log."""

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.route_rows import action, page

COORDINATOR_ONLY = {"lead": 403, "municipality": 403, "viewer": 403}

PLACEHOLDERS = {
    "viewer_user": lambda: db.session.scalar(
        select(User.id).where(User.email == "viewer@midwest.example")
    ),
}

ROUTES = [
    page("/activity", viewer=403),
    page("/activity?kind=task&from=2020-01-01", viewer=403),
    page("/exports/activity.xlsx", viewer=403),
    page("/exports/activity.xlsx?kind=task&from=2020-01-01", viewer=403),
    page("/admin/users", **COORDINATOR_ONLY),
    page("/admin/users/new", **COORDINATOR_ONLY),
    page("/admin/users/{viewer_user}", **COORDINATOR_ONLY),
    action("POST", "/admin/users/new", {"coordinator": 422}, data={"email": "x"}),
    action(
        "POST",
        "/admin/users/{viewer_user}",
        {"coordinator": 303},
        data={
            "email": "viewer@midwest.example",
            "full_name": "Lid Midwestoverleg",
            "role": "viewer",
            "municipality_id": "0",
            "language": "nl",
            "active": "y",
        },
    ),
    action("POST", "/admin/users/{viewer_user}/reset", {"coordinator": 200}),
    # Unlinking an identity at a provider (issue 27): none exists in the demo.
    action(
        "POST",
        "/admin/users/{viewer_user}/identities/999999/unlink",
        {"coordinator": 404},
    ),
]
