"""The main navigation: which sections a role sees (only those that exist)."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from app.auth import permissions

SECTIONS = [
    ("main.dashboard", _l("Dashboard"), permissions.can_view_regional),
    ("strategy.trajectory", _l("Trajectory"), permissions.can_view_regional),
    ("strategy.threads", _l("Threads"), permissions.can_view_regional),
    ("strategy.rounds", _l("Scoring rounds"), permissions.can_view_regional),
    ("work.themes", _l("Themes"), permissions.can_view_regional),
    ("work.tasks", _l("Tasks"), permissions.can_view_regional),
    ("subsidies.calls", _l("Calls"), permissions.can_view_regional),
    ("subsidies.applications", _l("Applications"), permissions.can_view_applications),
    ("meetings.index", _l("Meetings"), permissions.can_view_regional),
    ("municipalities.index", _l("Municipalities"), permissions.can_view_regional),
    ("deadlines.index", _l("Deadlines"), permissions.can_view_regional),
    ("activity.index", _l("Activity"), permissions.can_view_activity),
    ("admin.users_index", _l("Users"), permissions.can_manage_users),
]


def navigation(user) -> list[dict]:
    """Sections `user` may open, in order, with the current one marked."""
    items = []
    for endpoint, text, allowed in SECTIONS:
        if endpoint not in current_app.view_functions or not allowed(user):
            continue
        url = url_for(endpoint)
        current = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"url": url, "text": text, "current": current})
    return items
