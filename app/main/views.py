"""Dashboard and health check."""

from flask import jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from app.auth import permissions
from app.auth.access import public, regional_pages, requires
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
