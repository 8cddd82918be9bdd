"""Login throttling, counted in the database so that every worker and host agrees."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from app.auth.models import LoginFailure
from app.clock import now_utc
from app.extensions import db


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def is_throttled(email: str, ip: str) -> bool:
    """Too many recent failures for this account or from this address."""
    since = now_utc() - _window()
    by_email, by_ip = db.session.execute(
        select(
            func.count().filter(LoginFailure.email == email),
            func.count().filter(LoginFailure.ip == ip),
        ).where(
            LoginFailure.at >= since,
            or_(LoginFailure.email == email, LoginFailure.ip == ip),
        )
    ).one()
    config = current_app.config
    return (
        by_email >= config["LOGIN_MAX_FAILURES"]
        or by_ip >= config["LOGIN_MAX_FAILURES_PER_IP"]
    )


def record_failure(email: str, ip: str) -> None:
    """Remember one failed attempt and forget the ones outside the window."""
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.at < now_utc() - _window())
    )
    db.session.add(LoginFailure(email=email[:254], ip=ip[:64]))
    db.session.commit()


def clear_failures(email: str) -> None:
    """A successful sign-in resets the account's counter (not the address's)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
