"""No lost updates: a form carries the version it was based on.

`ensure_current(obj, seen_version, submitted)` raises `EditConflict` when someone
saved the object since; the app answers 409 with a fragment that says who changed
what and when, shows the values this user tried to save (so nothing they typed is
lost) and offers a reload; both name fields and values as the activity log does
(`conflict_message`). SQLAlchemy's version check on UPDATE catches the race
between that check and the write (`StaleDataError`), answered the same way.
"""

from __future__ import annotations

from typing import Any


class EditConflict(Exception):
    """Saving over a version newer than the one the user saw."""

    def __init__(self, obj: Any, seen_version: int | None, submitted: dict[str, Any]):
        super().__init__(
            f"{type(obj).__name__} {obj.id} changed since version {seen_version}"
        )
        self.obj = obj
        self.seen_version = seen_version
        self.submitted = submitted


def parse_version(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def ensure_current(obj: Any, seen_version: Any, submitted: dict[str, Any]) -> None:
    """Raise EditConflict unless the user's form was based on the current version."""
    if parse_version(seen_version) != obj.version:
        raise EditConflict(obj, parse_version(seen_version), submitted)


def last_change(obj: Any, user: Any = None):
    """The latest activity entry about `obj` that `user` may read (any, without a
    user): who changed it, when, and what."""
    from sqlalchemy import select

    from app.activity.models import Activity
    from app.auth import permissions
    from app.extensions import db

    query = select(Activity).where(
        Activity.entity_type == type(obj).__tablename__,
        Activity.entity_id == obj.id,
    )
    if user is not None:
        query = permissions.visible_activity(user, query)
    return db.session.scalar(
        query.order_by(Activity.created_at.desc(), Activity.id.desc()).limit(1)
    )


def conflict_message(obj: Any, submitted: dict[str, Any], user: Any) -> dict:
    """What the 409 message shows: the other person's change and what this user
    tried to save, with the activity log's field labels and value rendering."""
    from app.activity.render import present_one, present_values

    entity_type = getattr(obj, "__tablename__", "")
    return {
        "change": present_one(last_change(obj, user)) if obj is not None else None,
        "submitted": present_values(entity_type, submitted),
    }
