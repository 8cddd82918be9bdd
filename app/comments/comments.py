"""Comments on dossiers, tasks and threads: posting, editing, deleting, listing.

Every write records an activity entry about the commented object (so its
audience follows the object: a dossier's comments are for who may open the
dossier; the entry never holds the text) and sends `app.signals.comment_posted`
for a new or edited comment. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import signals
from app.activity.log import record
from app.auth import permissions
from app.auth.models import User
from app.comments.models import TARGET_KEYS, Comment
from app.db import utcnow
from app.extensions import db
from app.strategy.models import Thread
from app.subsidies.models import Application
from app.work.models import Task

#: How many comments an object's page shows (the newest; older ones by page).
COMMENTS_SHOWN = 30
#: How many people one comment may mention.
MAX_MENTIONS = 20

MODELS = {"applications": Application, "tasks": Task, "threads": Thread}


class MentionRefused(ValueError):
    """A mention of someone who may not see the object: nothing is saved."""


def load_target(segment: str, target_id: int) -> Any:
    """The dossier, task or thread (None when there is none)."""
    model = MODELS.get(segment)
    if model is None:
        return None
    options = []
    if model is Task:
        options = [joinedload(Task.group), joinedload(Task.application)]
    if model is Application:
        options = [selectinload(Application.partners)]
    return db.session.get(model, target_id, options=options)


def target_of(comment: Comment) -> Any:
    """The object a comment is on."""
    return load_target(comment.target_segment, comment.target_id)


def _of(segment: str, target: Any) -> Any:
    return getattr(Comment, TARGET_KEYS[segment]) == target.id


@dataclass
class CommentList:
    """What an object's comment section shows: a page of comments (oldest of the
    page first), the page's number and whether older ones exist."""

    segment: str
    target: Any
    comments: list[Comment]
    page: int
    older: bool


def comment_list(segment: str, target: Any, page: int = 1) -> CommentList:
    """The newest COMMENTS_SHOWN comments of `target` (page 1), or an older page:
    one query (authors and mentions joined), whatever their number."""
    page = max(1, page)
    rows = list(
        db.session.scalars(
            select(Comment)
            .where(_of(segment, target))
            .options(
                joinedload(Comment.author).joinedload(User.municipality),
                joinedload(Comment.mentioned),
            )
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .offset((page - 1) * COMMENTS_SHOWN)
            .limit(COMMENTS_SHOWN + 1)
        ).unique()
    )
    shown = rows[:COMMENTS_SHOWN]
    return CommentList(
        segment, target, shown[::-1], page, older=len(rows) > COMMENTS_SHOWN
    )


def mention_choices(segment: str, target: Any, ids: list[int]) -> list[User]:
    """The people among `ids` who may be mentioned on `target` (for the form)."""
    ids = list(dict.fromkeys(i for i in ids if isinstance(i, int)))[:MAX_MENTIONS]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(ids), permissions.mentionable(segment, target))
            .order_by(User.full_name, User.id)
        )
    )


def _mentioned(segment: str, target: Any, ids: list[int]) -> list[User]:
    """The users `ids` name, all of whom may see `target`; MentionRefused when one
    may not (named when they are an active member, whom anyone may find)."""
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_MENTIONS:
        raise MentionRefused(
            _("Mention at most %(num)s people in one comment.", num=MAX_MENTIONS)
        )
    found = mention_choices(segment, target, wanted)
    missing = [i for i in wanted if i not in {u.id for u in found}]
    if not missing:
        return found
    names = list(
        db.session.scalars(
            select(User.full_name)
            .where(User.id.in_(missing), User.active.is_(True))
            .order_by(User.full_name)
        )
    )
    if not names:
        raise MentionRefused(_("Choose the people to mention from the matches."))
    raise MentionRefused(
        ngettext(
            "%(names)s may not see this and cannot be mentioned here.",
            "%(names)s may not see this and cannot be mentioned here.",
            len(names),
            names=", ".join(names),
        )
    )


def _record(action: str, segment: str, target: Any, comment: Comment, actor: Any):
    # About the object, so that the entry's audience is the object's; the text
    # itself stays out of the log.
    municipality_id = None
    if segment == "tasks":
        municipality_id = target.municipality_id
    elif segment == "applications":
        municipality_id = target.lead_municipality_id
    record(
        action,
        target,
        details={"comment": comment.id},
        municipality_id=municipality_id,
        actor=actor,
    )


def post_comment(
    segment: str, target: Any, author: Any, body: str, mention_ids: list[int]
) -> Comment:
    """Add `author`'s comment to `target`, mentioning `mention_ids` (all of whom
    must be allowed to see it, else MentionRefused and nothing is added)."""
    mentioned = _mentioned(segment, target, mention_ids)
    comment = Comment(author=author, body=body, mentioned=mentioned)
    setattr(comment, TARGET_KEYS[segment], target.id)
    db.session.add(comment)
    db.session.flush()
    _record("comment", segment, target, comment, author)
    signals.comment_posted.send(
        comment, target=target, mentioned=list(mentioned), edited=False
    )
    return comment


def edit_comment(
    comment: Comment, target: Any, actor: Any, body: str, mention_ids: list[int]
) -> bool:
    """Change a comment's text and mentions; False when nothing changed. Marked
    edited; the signal carries who is mentioned now."""
    segment = comment.target_segment
    mentioned = _mentioned(segment, target, mention_ids)
    if body == comment.body and {u.id for u in mentioned} == {
        u.id for u in comment.mentioned
    }:
        return False
    comment.body = body
    comment.mentioned = mentioned
    comment.edited_at = utcnow()
    db.session.flush()
    _record("comment_update", segment, target, comment, actor)
    signals.comment_posted.send(
        comment, target=target, mentioned=list(mentioned), edited=True
    )
    return True


def delete_comment(comment: Comment, target: Any, actor: Any) -> None:
    """Remove a comment (its mentions go with it) and record who did."""
    _record("comment_delete", comment.target_segment, target, comment, actor)
    db.session.delete(comment)
    db.session.flush()


def target_key(segment: str, target: Any) -> str:
    """How a search field names the object its mentions are for: "tasks:12"."""
    return f"{segment}:{target.id}"


def comment_scope(key: str, user: Any) -> tuple:
    """(segment, target) of a "tasks:12" key when `user` may comment on it,
    else () (the mention search then finds nobody)."""
    segment, _sep, number = (key or "").partition(":")
    if segment not in MODELS or not number.isdigit() or len(number) > 9:
        return ()
    target = load_target(segment, int(number))
    if target is None or not permissions.can_comment(user, segment, target):
        return ()
    return (segment, target)
