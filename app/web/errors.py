"""Error pages (403, 404, 405, 413, expired form, 500) and the 409 conflict answer."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError

from app import formatting
from app.auth.service import audit, loggable
from app.concurrency import EditConflict, conflict_message
from app.extensions import db
from app.redact import redact_secrets
from app.web.htmx import reload_url, wants_fragment


def error_page(status: int, message: str) -> tuple[str, int]:
    """The error as a fragment (htmx swap) or as a page of its own."""
    template = "_error.html" if wants_fragment() else "error.html"
    return render_template(template, status=status, message=message), status


def _conflict_response(obj, submitted: dict) -> tuple[str, int]:
    template = "_conflict.html" if wants_fragment() else "error.html"
    html = render_template(
        template,
        status=409,
        conflict=True,
        reload_url=reload_url(),
        **conflict_message(obj, submitted, current_user),
    )
    return html, 409


def register_errors(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(_error):
        audit.warning(
            "forbidden user=%s %s %s",
            getattr(current_user, "id", None),
            request.method,
            loggable(redact_secrets(request.path)),
        )
        return error_page(403, _("You are not allowed to do this."))

    @app.errorhandler(404)
    def not_found(_error):
        return error_page(404, _("This page does not exist."))

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return error_page(405, _("This action is not possible here."))

    @app.errorhandler(413)
    def too_large(_error):
        limit_mb = formatting.fmt_megabytes(app.config["MAX_CONTENT_LENGTH"])
        return error_page(
            413, _("The file is too large (at most %(mb)s MB).", mb=limit_mb)
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return error_page(
            400,
            _("Your form has expired. Reload the page and try again."),
        )

    @app.errorhandler(EditConflict)
    def edit_conflict(error: EditConflict):
        db.session.rollback()
        return _conflict_response(error.obj, error.submitted)

    @app.errorhandler(StaleDataError)
    def stale_write(_error):
        # Two saves raced past the version check; the second UPDATE matched no row.
        db.session.rollback()
        return _conflict_response(None, {})

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return error_page(500, _("Something went wrong on our side. Try again later."))
