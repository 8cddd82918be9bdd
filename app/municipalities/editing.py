"""Editing a municipality: name, NIS code and merger (coordinator)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.activity.log import diff, record
from app.extensions import db
from app.municipalities.models import Municipality, active_municipalities_clause


def is_merge_target(municipality: Municipality, target_id: int) -> bool:
    """Whether `municipality` may merge into `target_id`: another one that still
    exists and did not merge into it (no cycle); its present target may stay."""
    query = select(Municipality.id).where(
        Municipality.id == target_id,
        Municipality.id != municipality.id,
        active_municipalities_clause()
        | (Municipality.id == municipality.merged_into_id),
        Municipality.merged_into_id.is_distinct_from(municipality.id),
    )
    return db.session.scalar(query) is not None


def conflicts(municipality: Municipality, name: str, nis_code: str | None) -> dict:
    """{field: message} for a name or NIS code another municipality has."""
    errors = {}
    same_name = select(Municipality.id).where(
        func.lower(Municipality.name) == name.lower(),
        Municipality.id != municipality.id,
    )
    if db.session.scalar(same_name) is not None:
        errors["name"] = _("Another municipality has this name.")
    if nis_code:
        same_code = select(Municipality.id).where(
            Municipality.nis_code == nis_code, Municipality.id != municipality.id
        )
        if db.session.scalar(same_code) is not None:
            errors["nis_code"] = _("Another municipality has this NIS code.")
    return errors


def save_municipality(
    municipality: Municipality, values: dict[str, Any], actor: Any
) -> dict:
    """Apply the values and record what changed; the slug stays, so links hold."""
    changes = diff(municipality, values)
    if changes:
        record("update", municipality, changes, actor=actor)
    db.session.commit()
    return changes
