"""Signing in and out, password changes, creating users."""

from __future__ import annotations

import logging

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app import clock
from app.auth import throttle
from app.auth.models import User
from app.db import utcnow
from app.extensions import db
from app.i18n import language_chosen_before_sign_in

audit = logging.getLogger("midwest.audit")
# Checked against when the email is unknown, so both paths take as long: one
# per hash method (the app's PASSWORD_HASH_METHOD), made on first use.
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-real-password", method)
    return _DUMMY_HASHES[method]


def loggable(value: str, limit: int = 254) -> str:
    """`value` fit for one audit line: control characters (a forged line break)
    escaped, and cut to a sane length."""
    text = (value or "")[:limit]
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.email) == normalize_email(email))
    )


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None."""
    user = find_user(email)
    if user is None:
        User(password_hash=_dummy_hash()).check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def attempt_login(email: str, password: str, ip: str) -> tuple[str, User | None, int]:
    """Check credentials unless the delay schedule says wait (throttle.py).

    Returns ("ok", user, 0), ("failed", None, 0) or ("throttled", None, seconds).
    """
    email = normalize_email(email)
    attempt, wait = throttle.admit(email, ip)
    if attempt is None:
        audit.warning("throttled login email=%s ip=%s", loggable(email), loggable(ip))
        return "throttled", None, wait
    user = authenticate(email, password)
    if user is None:
        audit.warning("failed login email=%s ip=%s", loggable(email), loggable(ip))
        return "failed", None, 0
    throttle.clear_failures(email)
    return "ok", user, 0


def check_current_password(user: User, password: str, ip: str) -> tuple[bool, int]:
    """The current-password check of a signed-in user, throttled like a sign-in
    (a stolen session must not become a password oracle).

    Returns (True, 0) when it is right, (False, 0) when wrong, (False, seconds)
    when the check must wait.
    """
    attempt, wait = throttle.admit(user.email, ip)
    if attempt is None:
        audit.warning("throttled password check user=%s ip=%s", user.id, loggable(ip))
        return False, wait
    if not user.check_password(password):
        audit.warning("failed password check user=%s ip=%s", user.id, loggable(ip))
        return False, 0
    throttle.clear_failures(user.email)
    db.session.commit()
    return True, 0


def refuse_password_login(email: str, ip: str) -> None:
    """A password sign-in while local sign-in is off (LOCAL_LOGIN=off) for an
    account other than the break-glass one: nothing is checked."""
    audit.warning(
        "refused password login (local sign-in off) email=%s ip=%s",
        loggable(normalize_email(email)),
        loggable(ip),
    )


def sign_in(user: User, remember: bool = False, provider: str | None = None) -> None:
    """Start a fresh session for `user` (the old session's contents are dropped);
    `provider`: the OpenID Connect provider it came through, for the audit line.

    A language picked on the login page becomes the user's language setting.
    """
    lang = language_chosen_before_sign_in()
    session.clear()
    if lang:
        session["lang"] = lang
        user.language = lang
    user.last_login_at = utcnow()
    if remember:
        user.remember_seen_at = clock.now_utc()
    db.session.commit()
    login_user(user, remember=remember)
    via = f" via={provider}" if provider else ""
    audit.info("login user=%s%s", user.id, via)


def sign_out(user: User, provider: str | None = None) -> None:
    """End this and every other session of `user` (cookies copied before included);
    `provider`: the OpenID Connect provider the session came through."""
    user_id = user.id
    user.rotate_session_nonce()
    db.session.commit()
    # Clear first: logout_user() marks the remember-me cookie for deletion in the
    # session, which a clear() afterwards would undo (the cookie would survive).
    session.clear()
    logout_user()
    via = f" via={provider}" if provider else ""
    audit.info("logout user=%s%s", user_id, via)


def change_password(user: User, new_password: str, revoke_tokens: bool) -> None:
    """Set a new password; other sessions end, this one continues; the API tokens
    are revoked when the user asks for it."""
    from app.api import tokens

    user.set_password(new_password)
    user.must_change_password = False
    if revoke_tokens:
        tokens.revoke_all(user)
    db.session.commit()
    # The remember-me cookie of this browser holds the old nonce: renew it.
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remembered in request.cookies)
    audit.info("password changed user=%s", user.id)


def create_user(
    email: str,
    full_name: str,
    password: str,
    role: str,
    municipality_id: int | None = None,
    language: str = "nl",
) -> User:
    user = User(
        email=normalize_email(email),
        full_name=full_name,
        role=role,
        municipality_id=municipality_id,
        language=language,
    )
    user.set_password(password)
    db.session.add(user)
    return user
