"""Dashboard and health check."""

from flask import abort, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import text

from app.auth import permissions
from app.auth.access import public, regional_pages, requires
from app.choices import KINDS, search_choices
from app.extensions import db
from app.main import bp
from app.main.dashboard import dashboard_for

regional_pages(bp)


@bp.get("/")
@requires(permissions.can_view_regional)
def dashboard():
    """The signed-in user's dashboard for their role."""
    template, data = dashboard_for(current_user)
    return render_template(template, **data)


@bp.get("/choices/<kind>")
@requires(permissions.can_view_regional)
def choices(kind: str):
    """The matches of a filter's search field, as the user types (htmx)."""
    if kind not in KINDS:
        abort(404)
    search = request.args.get(f"{kind}_search")
    return render_template(
        "_filter_matches.html",
        kind=kind,
        search=search,
        matches=search_choices(kind, search, current_user),
    )


@bp.get("/healthz")
@public
def healthz():
    """Liveness with a database round trip: 200 ok, 503 when the database fails."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
