"""The one download route of every Excel export."""

from flask import abort, request
from flask_login import current_user

from app.auth import permissions
from app.auth.access import requires
from app.exports import bp, excel, registry


@bp.get("/exports/<name>.xlsx")
@requires(permissions.can_view_regional)
def download(name: str):
    """Build and send the export `name` for the signed-in user."""
    found = registry.find(name)
    if found is None:
        abort(404)
    build, param = found
    workbook = build(current_user, request.args, param)
    return excel.download(workbook, f"{name}.xlsx")
