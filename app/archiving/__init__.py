"""Archive, restore and delete calls, dossiers, rounds, groups, talks and threads."""

from flask import Blueprint

bp = Blueprint("archiving", __name__)


@bp.app_context_processor
def archive_helpers() -> dict:
    """The archive notice and buttons on the pages of archivable objects."""
    from app.archive import delete_blockers
    from app.archiving.kinds import kind_of

    return {"archive_kind_of": kind_of, "archive_blockers": delete_blockers}
