"""Promoting a thread to a theme, after a round showed broad support."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.activity.log import record
from app.extensions import db
from app.municipalities.models import Municipality, active_municipalities_clause
from app.strategy.models import Thread
from app.work.models import Rollout, Theme


class PromotionRefused(Exception):
    """The thread is a theme already (or its title is taken by one)."""


def existing_theme(thread: Thread) -> Theme | None:
    return db.session.scalar(select(Theme).where(Theme.origin_thread_id == thread.id))


def can_be_promoted(thread: Thread) -> bool:
    return promotable(thread, existing_theme(thread))


def promotable(thread: Thread, theme: Theme | None) -> bool:
    """`can_be_promoted` for a caller that read the thread's theme already."""
    return thread.status != "selected" and theme is None


def promote(thread: Thread, user: Any) -> Theme:
    """Create the theme, mark the thread selected, add a rollout row per active
    municipality (stage not started). Refuses a thread promoted before."""
    if not can_be_promoted(thread):
        raise PromotionRefused(thread.code)
    title_taken = db.session.scalar(
        select(Theme.id).where(func.lower(Theme.title) == thread.title.lower())
    )
    if title_taken is not None:
        raise PromotionRefused(thread.code)
    theme = Theme(
        title=thread.title,
        description=thread.description,
        origin_thread_id=thread.id,
        status="active",
    )
    db.session.add(theme)
    old_status, thread.status = thread.status, "selected"
    db.session.flush()
    municipalities = db.session.scalars(
        select(Municipality).where(active_municipalities_clause())
    )
    for municipality in municipalities:
        db.session.add(
            Rollout(
                theme_id=theme.id,
                municipality_id=municipality.id,
                stage="not_started",
                updated_by_id=getattr(user, "id", None),
            )
        )
    record(
        "promote",
        theme,
        {"status": [None, "active"], "origin_thread": [None, thread.code]},
        details={"thread": thread.code},
        actor=user,
    )
    record("update", thread, {"status": [old_status, "selected"]}, actor=user)
    return theme


def themes_by_thread(thread_ids: list[int]) -> dict[int, Theme]:
    """The theme each of these threads was promoted to, if any (one query)."""
    return {
        theme.origin_thread_id: theme
        for theme in db.session.scalars(
            select(Theme).where(Theme.origin_thread_id.in_(thread_ids))
        )
    }
