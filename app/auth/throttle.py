"""Login throttling with progressive delays, counted in the database so that every
worker and host agrees.

Schedule (per account, and separately per address): the first LOGIN_MAX_FAILURES
(per address LOGIN_MAX_FAILURES_PER_IP) failures within LOGIN_WINDOW_MINUTES cost
nothing; after that each next password check must wait LOGIN_DELAY_SECONDS after
the previous failure, doubling with every further failure, up to
LOGIN_MAX_DELAY_SECONDS (per address LOGIN_MAX_DELAY_PER_IP_SECONDS). An attempt
inside the delay is answered "try again in N seconds" without checking the
password and without counting. So strangers can slow the owner down by at most
the account's longest delay; nobody locks the account for a quarter of an hour.

Counting is race-free: an attempt is recorded (committed) first and only then
counts the attempts recorded before it, so parallel requests each see the others
and no more passwords are checked than the schedule allows. A refused attempt
removes its record; a correct password removes the account's records.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from app.auth.models import LoginFailure
from app.clock import now_utc
from app.extensions import db


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def delay_after(failures: int, free: int, longest: float) -> float:
    """Seconds to wait after the previous failure, with `failures` in the window."""
    if failures < free:
        return 0.0
    first = current_app.config["LOGIN_DELAY_SECONDS"]
    return min(longest, first * 2 ** min(failures - free, 30))


def _naive(moment: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; compare everything in naive UTC.
    return moment.replace(tzinfo=None) if moment is not None else None


def _wait(failures: int, last, free: int, longest: float, now) -> float:
    delay = delay_after(failures, free, longest)
    if not delay or last is None:
        return 0.0
    # A parallel attempt may carry a later time than this one's `now`.
    elapsed = max(0.0, (now - _naive(last)).total_seconds())
    return delay - elapsed


def admit(email: str, ip: str) -> tuple[int | None, int]:
    """Record an attempt to check a password of `email` from `ip`.

    Returns (the attempt's id, 0) when the password may be checked now, else
    (None, seconds to wait).
    """
    config = current_app.config
    now = now_utc()
    email, ip = email[:254], ip[:64]
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - _window()))
    attempt = LoginFailure(email=email, ip=ip, at=now)
    db.session.add(attempt)
    db.session.flush()
    # Plain values from here on: a parallel correct password may delete this row
    # (clear_failures), and reading an expired ORM object would then fail.
    attempt_id = attempt.id
    db.session.commit()
    by_email, last_email, by_ip, last_ip = db.session.execute(
        select(
            func.count().filter(LoginFailure.email == email),
            func.max(LoginFailure.at).filter(LoginFailure.email == email),
            func.count().filter(LoginFailure.ip == ip),
            func.max(LoginFailure.at).filter(LoginFailure.ip == ip),
        ).where(
            LoginFailure.id < attempt_id,
            LoginFailure.at >= now - _window(),
            or_(LoginFailure.email == email, LoginFailure.ip == ip),
        )
    ).one()
    naive_now = _naive(now)
    wait = max(
        _wait(
            by_email,
            last_email,
            config["LOGIN_MAX_FAILURES"],
            config["LOGIN_MAX_DELAY_SECONDS"],
            naive_now,
        ),
        _wait(
            by_ip,
            last_ip,
            config["LOGIN_MAX_FAILURES_PER_IP"],
            config["LOGIN_MAX_DELAY_PER_IP_SECONDS"],
            naive_now,
        ),
    )
    if wait > 0:
        db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
        db.session.commit()
        return None, max(1, math.ceil(wait))
    return attempt_id, 0


def clear_failures(email: str) -> None:
    """A correct password resets the account's counter (not the address's)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
