"""Checked uploads waiting for their uploader to apply them (score and task
imports): the parsed changes (never the uploaded file) as JSON in the database,
so the apply may reach another app host than the preview, under a random token
bound to the user, used up at the first apply and gone after an hour."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from app.clock import now_utc
from app.extensions import db
from app.strategy.models import PendingImport

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
PENDING_MAX_AGE = 60 * 60  # seconds a preview stays applicable


def keep(kind: str, payload: dict, user: Any) -> str:
    """Store a checked import of `kind` for `user` (committed: the preview page
    writes nothing else); returns its random token. Old previews go."""
    db.session.execute(
        delete(PendingImport).where(
            PendingImport.created_at < now_utc() - timedelta(seconds=PENDING_MAX_AGE)
        )
    )
    token = secrets.token_urlsafe(32)
    data = json.dumps({"kind": kind, "data": payload})
    db.session.add(PendingImport(token=token, user_id=user.id, payload=data))
    db.session.commit()
    return token


def take(kind: str, token: str, user: Any) -> dict | None:
    """The stored import of `kind` for this token if it belongs to `user` and is
    recent; it is used up (deleted, committed) either way, so one preview applies
    at most once, also when two hosts are asked at the same moment."""
    if not TOKEN_RE.match(token or ""):
        return None
    taken = db.session.execute(
        delete(PendingImport)
        .where(PendingImport.token == token, PendingImport.user_id == user.id)
        .returning(PendingImport.payload, PendingImport.created_at)
    ).first()
    db.session.commit()
    if taken is None:
        return None  # unknown, used, or someone else's (left alone)
    payload, created_at = taken
    if now_utc() - created_at > timedelta(seconds=PENDING_MAX_AGE):
        return None
    stored = json.loads(payload)
    if stored.get("kind") != kind:
        return None  # another import's token: never applied as this one
    return stored["data"]
