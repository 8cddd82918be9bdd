"""Comments on dossiers, tasks and threads: list, add, edit, delete."""

from __future__ import annotations

from flask import abort, redirect, render_template, request
from flask_login import current_user

from app.auth import permissions as perm
from app.auth.access import check, requires
from app.comments import bp, pages
from app.comments import comments as logic
from app.comments.forms import CommentForm
from app.comments.models import Comment
from app.extensions import db
from app.http_cache import no_store
from app.paging import page_number
from app.web import wants_fragment

SEGMENT = "<any(applications, tasks, threads):segment>"


def _visible(segment: str, target_id: int):
    """The object if the user may see it (404 otherwise: a dossier's existence
    is private)."""
    target = logic.load_target(segment, target_id)
    if target is None or not perm.can_view_comments(current_user, segment, target):
        abort(404)
    return target


def _own_comment(comment_id: int) -> tuple[Comment, object]:
    comment = db.get_or_404(Comment, comment_id)
    target = _visible(comment.target_segment, comment.target_id)
    return comment, target


def _form_status(form: CommentForm) -> int:
    """A form sent back: 200 for a search without JavaScript ("Find", not an
    attempt to post: no errors), 422 for invalid input."""
    if request.form.get("find"):
        form.body.errors = []
        return 200
    return 422


def _section(segment, target, form=None, status=200, page=1, posted=None):
    """The comment section (htmx) or the comments page, with `form`."""
    section = pages.comment_section(segment, target, form, page, posted)
    template = "comments/_section.html" if wants_fragment() else "comments/page.html"
    return render_template(template, section=section), status, {"Vary": "HX-Request"}


@bp.get(f"/{SEGMENT}/<int:target_id>/comments")
@requires(perm.can_view_regional)
@no_store
def comments(segment: str, target_id: int):
    """An object's comments, newest page first (htmx: the section alone)."""
    target = _visible(segment, target_id)
    return _section(segment, target, page=page_number())


@bp.post(f"/{SEGMENT}/<int:target_id>/comments")
@requires(perm.can_view_regional)
def add(segment: str, target_id: int):
    """Post a comment (htmx: the section with it in place; else 303 to it)."""
    target = _visible(segment, target_id)
    check(perm.can_comment(current_user, segment, target))
    form = CommentForm()
    if not form.validate_on_submit() or request.form.get("find"):
        return _section(segment, target, form, _form_status(form))
    try:
        comment = logic.post_comment(
            segment, target, current_user, form.body.data, form.mentions.data
        )
    except logic.MentionRefused as refused:
        form.mentions.errors = [str(refused)]
        return _section(segment, target, form, 422)
    db.session.commit()
    if wants_fragment():
        return _section(segment, target, posted=comment.id)
    return redirect(f"{pages.object_url(segment, target.id)}#comment-{comment.id}", 303)


def _edit_page(comment, target, form, status=200):
    form = pages.fill_mentions(form, comment.target_segment, target)
    template = "comments/_edit.html" if wants_fragment() else "comments/edit.html"
    return render_template(
        template,
        comment=comment,
        form=form,
        key=logic.target_key(comment.target_segment, target),
        object_url=pages.object_url(comment.target_segment, target.id),
    ), status


@bp.get("/comments/<int:comment_id>/edit")
@requires(perm.can_view_regional)
@no_store
def edit(comment_id: int):
    """The form to change one's own comment (htmx: in place of the comment)."""
    comment, target = _own_comment(comment_id)
    check(perm.can_edit_comment(current_user, comment))
    form = CommentForm(formdata=None, body=comment.body)
    form.mentions.data = [u.id for u in comment.mentioned]
    return _edit_page(comment, target, form)


@bp.post("/comments/<int:comment_id>/edit")
@requires(perm.can_view_regional)
def update(comment_id: int):
    """Save one's own comment, marked edited (htmx: the comment in place)."""
    comment, target = _own_comment(comment_id)
    check(perm.can_edit_comment(current_user, comment))
    form = CommentForm()
    if not form.validate_on_submit() or request.form.get("find"):
        return _edit_page(comment, target, form, _form_status(form))
    try:
        logic.edit_comment(
            comment, target, current_user, form.body.data, form.mentions.data
        )
    except logic.MentionRefused as refused:
        form.mentions.errors = [str(refused)]
        return _edit_page(comment, target, form, 422)
    db.session.commit()
    if wants_fragment():
        return render_template(
            "comments/_comment.html", comment=comment, posted=comment.id
        )
    url = pages.object_url(comment.target_segment, target.id)
    return redirect(f"{url}#comment-{comment.id}", 303)


@bp.post("/comments/<int:comment_id>/delete")
@requires(perm.can_view_regional)
def delete(comment_id: int):
    """Delete a comment: one's own, or any for the coordinator."""
    comment, target = _own_comment(comment_id)
    check(perm.can_delete_comment(current_user, comment))
    segment = comment.target_segment
    logic.delete_comment(comment, target, current_user)
    db.session.commit()
    if wants_fragment():
        return ""
    return redirect(f"{pages.object_url(segment, target.id)}#comments", 303)
