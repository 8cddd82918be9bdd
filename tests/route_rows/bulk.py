"""Bulk work on tasks (issue 28 item 4): coordinator and leads; an empty
selection answers 422 (nothing selected), the other roles 403."""

from tests.route_rows import action

ROUTES = [
    action("POST", "/tasks/bulk", {"coordinator": 422, "lead": 422}),
    action("POST", "/tasks/bulk/apply", {"coordinator": 422, "lead": 422}),
]

# The demo lead leads a group of {own_theme}: they may set stages in bulk there.
ROUTES += [
    action(
        "POST", "/themes/{own_theme}/rollout/bulk", {"coordinator": 422, "lead": 422}
    ),
    action(
        "POST",
        "/themes/{own_theme}/rollout/bulk/apply",
        {"coordinator": 422, "lead": 422},
    ),
]

# Bulk update by Excel (issue 28 item 4): the same people; no file answers 422, a
# token that is none 422 (the preview expired or was used).
ROUTES += [
    action("GET", "/imports/tasks", {"coordinator": 200, "lead": 200}),
    action("POST", "/imports/tasks", {"coordinator": 422, "lead": 422}),
    action(
        "POST",
        "/imports/tasks/apply",
        {"coordinator": 422, "lead": 422},
        data={"token": "nonsense"},
    ),
]
