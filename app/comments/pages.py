"""The comment section of a dossier, task or thread: what its template needs."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_login import current_user

from app.choices import search_choices
from app.comments import comments as logic
from app.comments.forms import CommentForm


def object_endpoint(segment: str, target_id: int) -> tuple[str, dict[str, int]]:
    """The endpoint and arguments of the commented object's page."""
    if segment == "applications":
        return "subsidies.application", {"application_id": target_id}
    if segment == "tasks":
        return "work.task", {"task_id": target_id}
    return "strategy.thread", {"thread_id": target_id}


def object_url(segment: str, target_id: int) -> str:
    """The page of the commented object."""
    endpoint, values = object_endpoint(segment, target_id)
    return url_for(endpoint, **values)


def fill_mentions(form: CommentForm, segment: str, target: Any) -> CommentForm:
    """The form's mention checkboxes: the people picked so far who may be."""
    picked = logic.mention_choices(segment, target, form.mentions.data or [])
    form.mentions.choices = [(u.id, u.full_name) for u in picked]
    return form


def comment_section(
    segment: str,
    target: Any,
    form: CommentForm | None = None,
    page: int = 1,
    posted: int | None = None,
) -> dict[str, Any]:
    """The comments of `target` (a bounded page), the form and their addresses;
    `posted`: the comment just saved (it takes the focus, and is announced)."""
    form = form or CommentForm(formdata=None)
    return {
        "segment": segment,
        "posted": posted,
        "target": target,
        "listing": logic.comment_list(segment, target, page),
        "form": fill_mentions(form, segment, target),
        # Without JavaScript, "Find" sends the form back with what was typed.
        "matches": search_choices(
            "mention",
            request.values.get("mentions_search"),
            current_user,
            (segment, target),
        ),
        "key": logic.target_key(segment, target),
        "object_url": object_url(segment, target.id),
    }
