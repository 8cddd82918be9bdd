"""Creating, changing, resetting and deactivating users."""

from __future__ import annotations

import secrets

from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from app.activity.log import diff, record
from app.api import tokens
from app.auth.models import MUNICIPAL_ROLES, Role, User
from app.auth.service import find_user, normalize_email
from app.extensions import db
from app.municipalities.models import Municipality
from app.sorting import Sort, Sortable
from app.subsidies.dossiers import hand_back_dossiers_of

#: The columns of /admin/users; by default by name.
USER_SORT = Sortable(
    columns={
        "name": func.lower(User.full_name),
        "email": func.lower(User.email),
        "role": case(
            {role.value: rank for rank, role in enumerate(Role)}, value=User.role
        ),
        "municipality": select(func.lower(Municipality.name))
        .where(Municipality.id == User.municipality_id)
        .correlate_except(Municipality)
        .scalar_subquery(),
        "active": User.active,
        "last_login": User.last_login_at,
    },
    default="name",
    tie=User.id,
)


def user_list_query(
    role: str | None = None,
    municipality_id: int | None = None,
    sort: Sort | None = None,
):
    """SELECT of the users of /admin/users, filtered and sorted."""
    sort = sort or USER_SORT.parse({})
    query = (
        select(User)
        .options(joinedload(User.municipality))  # each row shows its name
        .order_by(*USER_SORT.order_by(sort))
    )
    if role:
        query = query.where(User.role == role)
    if municipality_id:
        query = query.where(User.municipality_id == municipality_id)
    return query


def temporary_password() -> str:
    """A random password to hand over once; the user changes it on the profile."""
    return secrets.token_urlsafe(12)


def email_taken(email: str, except_id: int | None = None) -> bool:
    other = find_user(email)
    return other is not None and other.id != except_id


def _values(form) -> dict:
    role = form.role.data
    return {
        "email": normalize_email(form.email.data),
        "full_name": form.full_name.data.strip(),
        "role": role,
        "municipality_id": form.municipality_id.data
        if role in MUNICIPAL_ROLES
        else None,
        "language": form.language.data,
        "active": bool(form.active.data),
    }


def create(form) -> tuple[User, str]:
    """A new user with a temporary password (returned, shown once)."""
    password = temporary_password()
    user = User(**_values(form))
    user.set_password(password)
    user.must_change_password = True
    db.session.add(user)
    record("create", user, {"role": [None, user.role]})
    db.session.commit()
    return user, password


def update(user: User, form) -> dict:
    """Apply the form; a change of role, municipality or activity ends sessions."""
    changes = diff(user, _values(form))
    if {"role", "municipality_id", "active", "email"} & changes.keys():
        user.rotate_session_nonce()
    if "email" in changes:
        user.clear_mail_refusal()  # the new address gets its digests again
    if not user.active and "active" in changes:
        user.rotate_calendar_token()  # the old feed address stops working
        tokens.revoke_all(user)  # and so do the API tokens, also after reactivation
    if changes:
        record("update", user, changes)
    handed_back = []
    if {"role", "municipality_id", "active"} & changes.keys():
        handed_back = hand_back_dossiers_of(user, current_user._get_current_object())
    db.session.commit()
    return changes | ({"handed_back": handed_back} if handed_back else {})


def reset_password(user: User) -> str:
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    # A reset answers a suspected compromise: the calendar address changes too,
    # and the API tokens are revoked.
    user.rotate_calendar_token()
    tokens.revoke_all(user)
    record("password_reset", user)
    db.session.commit()
    return password
