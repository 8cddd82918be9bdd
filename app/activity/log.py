"""Writing activity entries: one helper that every domain calls.

    record(action, obj, changes=None, *, label=None, details=None,
           municipality_id=None, audience=None, actor=None)

- `action`: what happened, a short code: "create", "update", "delete", "status",
  "import", "promote", "partner_add", "partner_update", "partner_remove",
  "password_reset", "publish", "unpublish" (an
  unknown code renders as "… changed").
- `obj`: the object it happened to (its table name and id are stored).
- `changes`: {"field": [old, new]} with raw values (codes, ids, ISO dates), as
  `diff` returns them; rendered with translated field labels, enum labels and
  names instead of ids (app.activity.render).
- `label`: the object's name as a reader knows it, captured now (default: its
  title, name or full name).
- `details`: what the sentence needs besides the label ({"count": 12}).
- `municipality_id`: the municipality the entry concerns (filter, visibility).
- `audience`: who may read it (app.auth.permissions.AUDIENCES); by default decided
  from the object by `permissions.activity_audience`. An entry that holds a
  municipality's individual values (scores) must have AUDIENCE_MUNICIPALITY with
  that municipality; a regional entry says counts only.
- `actor`: who did it (default: the signed-in user).

Nothing here writes an English sentence: entries are rendered in the reader's
language when read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_login import current_user
from sqlalchemy import insert

from app.activity.models import Activity
from app.auth import permissions
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


def label_of(entity: Any) -> str:
    """The name a reader knows an object by: a thread's code and title, else its
    title, name or full name."""
    code, title = getattr(entity, "code", None), getattr(entity, "title", None)
    if code and title:
        return f"{code} {title}"
    for attribute in ("title", "name", "full_name"):
        value = getattr(entity, attribute, None)
        if value:
            return str(value)
    return ""


def application_id_of(entity: Any) -> int | None:
    """The dossier an object belongs to: itself, or its `application_id`."""
    if getattr(entity, "__tablename__", None) == "application":
        return entity.id
    return getattr(entity, "application_id", None)


def record(
    action: str,
    entity: Any,
    changes: dict[str, list] | str | None = None,
    legacy_changes: dict[str, list] | None = None,
    **options: Any,
) -> Activity:
    """Add an activity entry for `entity` to the session (flushed with the change).

    The older form record(action, obj, "English summary", changes) still works
    for callers not converted yet: such an entry shows that text as it is.
    Options: label, details, municipality_id, audience, application_id, actor."""
    entry = Activity(**entry_values(action, entity, changes, legacy_changes, **options))
    db.session.add(entry)
    return entry


def record_many(entries: Iterable[tuple[str, Any, dict | None, dict[str, Any]]]):
    """Add several entries ((action, entity, changes, options) each, as `record`)
    in ONE insert, however many (a batch)."""
    rows = [
        entry_values(action, entity, changes, **options)
        for action, entity, changes, options in entries
    ]
    if rows:
        db.session.execute(insert(Activity), rows)


def entry_values(
    action: str,
    entity: Any,
    changes: dict[str, list] | str | None = None,
    legacy_changes: dict[str, list] | None = None,
    *,
    label: str | None = None,
    details: dict[str, Any] | None = None,
    municipality_id: int | None = None,
    audience: str | None = None,
    application_id: int | None = None,
    actor: Any = None,
) -> dict[str, Any]:
    """The columns of an activity entry (see `record`; `application_id` names the
    dossier of an object that has none of its own, e.g. a dossier task's document)."""
    summary = ""
    if isinstance(changes, str):
        summary, changes = changes, legacy_changes
    if getattr(entity, "id", 1) is None:
        db.session.flush()  # a new object needs its id before it can be referred to
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user
    entity_type = type(entity).__tablename__
    if application_id is None:
        application_id = application_id_of(entity)
    if audience is None:
        audience = permissions.activity_audience(
            entity_type, municipality_id, application_id
        )
    if audience not in permissions.AUDIENCES:
        raise ValueError(f"unknown activity audience {audience!r}")
    if audience == permissions.AUDIENCE_MUNICIPALITY and municipality_id is None:
        raise ValueError("an entry for one municipality needs its municipality_id")
    return {
        "actor_id": getattr(actor, "id", None),
        "action": action,
        "entity_type": entity_type,
        "entity_id": getattr(entity, "id", None),
        "municipality_id": municipality_id,
        "application_id": application_id,
        "audience": audience,
        # An old-style call's summary is shown until the caller passes a label.
        "label": None
        if summary and label is None
        else (label or label_of(entity))[:300],
        "summary": summary[:500],
        "changes": changes or {},
        "details": details or {},
    }
