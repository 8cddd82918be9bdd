"""Personal API tokens: created and seen once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from app.api.models import ApiToken
from app.auth import permissions
from app.auth.models import User
from app.db import utcnow
from app.extensions import db

#: Tokens look like "mwt_<43 characters>": the prefix tells what they are.
TOKEN_PREFIX = "mwt_"  # noqa: S105 - not a secret
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_TOKENS_PER_USER = 20
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


def has_room(user: User) -> bool:
    count = db.session.scalar(
        select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id)
    )
    return count < MAX_TOKENS_PER_USER


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token of `user`: the stored row, and the token itself (shown once)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 32 random bytes
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=raw[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_token(raw),
    )
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke(token: ApiToken) -> None:
    db.session.delete(token)


def authenticate(authorization: str | None) -> User | None:
    """The active user whose token is in an `Authorization: Bearer …` header."""
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
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token.user
