"""Comments with mentions on dossiers, tasks and threads."""

from flask import Blueprint

bp = Blueprint("comments", __name__)


@bp.app_context_processor
def comment_helpers() -> dict:
    """What an object's page needs to show its comment section."""
    from app.comments.pages import comment_section

    return {"comment_section": comment_section}
