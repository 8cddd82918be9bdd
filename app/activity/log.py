"""Writing activity entries: one helper that every domain calls."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_login import current_user

from app.activity.models import Activity
from app.extensions import db


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def diff(obj: Any, values: dict[str, Any]) -> dict[str, list]:
    """Set `values` on `obj` and return the fields that changed as [old, new]."""
    changes: dict[str, list] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
            setattr(obj, field, new)
    return changes


def record(
    action: str,
    entity: Any,
    summary: str,
    changes: dict[str, list] | None = None,
    *,
    municipality_id: int | None = None,
    actor: Any = None,
) -> Activity:
    """Add an activity entry for `entity` to the session (flushed with the change)."""
    if getattr(entity, "id", 1) is None:
        db.session.flush()  # a new object needs its id before it can be referred to
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user
    entry = Activity(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity_type=type(entity).__tablename__,
        entity_id=getattr(entity, "id", None),
        municipality_id=municipality_id,
        summary=summary[:500],
        changes=changes or {},
    )
    db.session.add(entry)
    return entry
