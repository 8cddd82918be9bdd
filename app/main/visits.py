"""The dashboard's "new since your last visit": when that was, and what changed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.clock import now_utc
from app.extensions import db
from app.main.models import DashboardVisit

#: Coming back within this time is the same visit (the marks stay).
VISIT_GAP = timedelta(hours=1)
#: The current visit's time is written at most this often (a GET that writes
#: costs a write transaction; once in a while is enough).
REFRESH = timedelta(minutes=5)


def register_visit(user: Any, now: datetime | None = None) -> datetime | None:
    """Note that `user` opens the dashboard now; the start of "new": the end of
    their previous visit (None on a first visit). Adds to the session; the
    caller commits."""
    now = now or now_utc()
    visit = db.session.get(DashboardVisit, user.id)
    if visit is None:
        db.session.add(DashboardVisit(user_id=user.id, last_at=now))
        return None
    if now - visit.last_at > VISIT_GAP:  # a new visit: the last one is previous
        visit.previous_at, visit.last_at = visit.last_at, now
    elif now - visit.last_at > REFRESH:
        visit.last_at = now
    return visit.previous_at


def change_mark(
    since: datetime | None,
    reader_id: int,
    created_at: datetime | None,
    updated_at: datetime | None,
    updated_by_id: int | None = None,
) -> str | None:
    """ "new" (made since `since`, the end of the reader's previous visit),
    "changed" (changed since then) or None, for an item of the dashboard's
    lists; what the reader did themselves is no news to them (nor on a first
    visit). Read from the columns of the list's own query."""
    if since is None or updated_at is None or updated_at <= since:
        return None
    if updated_by_id is not None and updated_by_id == reader_id:
        return None
    return "new" if created_at is not None and created_at > since else "changed"
