"""The one download route of every Excel export."""

import io

from flask import abort, request, send_file
from flask_login import current_user

from app.auth import permissions
from app.auth.access import requires
from app.exports import bp, excel, registry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/exports/<name>.xlsx")
@requires(permissions.can_view_regional)
def download(name: str):
    """Build and send the export `name` for the signed-in user."""
    found = registry.find(name)
    if found is None:
        abort(404)
    build, param = found
    workbook = build(current_user, request.args, param)
    response = send_file(
        io.BytesIO(excel.to_bytes(workbook)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{name}.xlsx",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
