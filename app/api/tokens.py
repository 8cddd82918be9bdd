"""Personal API tokens: created and seen once, stored hashed, revocable, expiring.

A token ends with its owner's access: an admin's password reset or a deactivation
revokes every token (the owner's own password change offers it), and no token
works while a password change is pending.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from app.api.models import ApiToken
from app.auth import permissions
from app.auth.models import User
from app.db import utcnow
from app.extensions import db

#: Tokens look like "mwt_<43 characters>": the prefix tells what they are.
TOKEN_PREFIX = "mwt_"  # noqa: S105 - not a secret
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_TOKENS_PER_USER = 20
#: The lifetimes offered at creation, in days (at most a year); the default.
LIFETIMES = (30, 90, 180, 365)
DEFAULT_LIFETIME = 90
#: Write "last used" at most this often per token (an API GET is not a write).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


class TokenRefused(Exception):
    """A known token that may not be used (expired, or a password change pending)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired" or "password_change"


def _lock_owner(user: User) -> None:
    """Serialize the token writes of one user until the transaction ends.

    A write to the user's row is the lock on both databases: PostgreSQL locks
    the row, SQLite takes its single write lock (pysqlite begins the transaction
    at the first write, so nothing was read before it).
    """
    db.session.execute(
        update(User.__table__)
        .where(User.__table__.c.id == user.id)
        .values(id=User.__table__.c.id)
    )


def _count(user: User) -> int:
    return db.session.scalar(
        select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id)
    )


def has_room(user: User) -> bool:
    return _count(user) < MAX_TOKENS_PER_USER


def create_token(
    user: User, name: str, days: int = DEFAULT_LIFETIME
) -> tuple[ApiToken, str]:
    """A new token of `user`: the stored row, and the token itself (shown once)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 32 random bytes
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=raw[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_token(raw),
        expires_at=utcnow() + timedelta(days=min(days, max(LIFETIMES))),
    )
    db.session.add(token)
    db.session.flush()
    return token, raw


def create_within_cap(
    user: User, name: str, days: int = DEFAULT_LIFETIME
) -> tuple[ApiToken, str] | None:
    """create_token() unless the user has MAX_TOKENS_PER_USER already (None):
    count and insert under the owner's lock, so parallel requests keep the cap."""
    _lock_owner(user)
    if not has_room(user):
        db.session.rollback()
        return None
    return create_token(user, name, days)


def revoke(token: ApiToken) -> None:
    db.session.delete(token)


def revoke_all(user: User) -> None:
    """Every token of `user` stops working (part of the caller's transaction)."""
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def authenticate(authorization: str | None) -> User | None:
    """The active user whose token is in an `Authorization: Bearer …` header.

    Raises TokenRefused for a known token that is expired, or whose owner must
    choose a new password first.
    """
    scheme, _sep, raw = (authorization or "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(raw))
    )
    if token is None or not permissions.can_use_api_tokens(token.user):
        return None
    now = utcnow()
    if token.expired:
        raise TokenRefused("expired")
    if token.user.must_change_password:
        raise TokenRefused("password_change")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token.user
