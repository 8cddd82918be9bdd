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


def conflicts(
    municipality: Municipality,
    name: str,
    nis_code: str | None,
    kbo: str | None = None,
) -> dict:
    """{field: message} for a name, NIS code or KBO number another municipality
    has."""
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
    if kbo:
        same_kbo = select(Municipality.id).where(
            Municipality.kbo_number == kbo, Municipality.id != municipality.id
        )
        if db.session.scalar(same_kbo) is not None:
            errors["kbo_number"] = _("Another municipality has this KBO number.")
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


def kbo_number(value: str | None) -> str | None:
    """`value` as a valid KBO (enterprise) number of 10 digits, else None.

    Accepts the usual spellings: 0207.451.227, BE 0207 451 227, 207451227 (the
    leading 0 of the old nine-digit numbers). The last two digits are the
    check: 97 minus the first eight modulo 97.
    """
    text = (value or "").strip().upper().removeprefix("BE")
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits or any(ch not in "0123456789 .-" for ch in text):
        return None
    if len(digits) == 9:
        digits = "0" + digits
    if len(digits) != 10 or digits[0] not in "01":
        return None
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        return None
    return digits
