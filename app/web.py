"""Request-wide behaviour: sign-in, security headers, errors, template helpers."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
)
from flask import url_for as flask_url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError

from app import clock, formatting, labels
from app.auth import permissions
from app.auth.models import User
from app.auth.service import audit, loggable
from app.concurrency import EditConflict, conflict_message
from app.extensions import db, login_manager
from app.links import absolute_url
from app.navigation import navigation
from app.redact import redact_secrets

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


#: Characters no text input may contain: NUL (PostgreSQL refuses it in text) and
#: the other C0 controls and DEL, which only hide or corrupt text. Tab, line feed
#: and carriage return stay allowed (text areas).
FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REMEMBER_RENEW_SECONDS = 60


def register_web(app: Flask) -> None:
    register_audit_log()
    register_login(app)
    register_input_check(app)
    register_security_headers(app)
    register_errors(app)
    register_template_helpers(app)


def register_audit_log() -> None:
    """Audit lines (sign-ins, failures, 403s; never secrets) go to standard error."""
    if not audit.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        audit.addHandler(handler)
        audit.setLevel(logging.INFO)


def _has_hidden_characters(text: str) -> bool:
    """Control characters (C0, DEL, C1) or a backslash: browsers drop tabs and
    line breaks from a URL and read a backslash as a slash."""
    return "\\" in text or any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in text)


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths: '/tasks?x=1', never '//evil', '/<tab>/evil', a
    backslash, 'https://…', 'javascript:…', '%2f%2fevil' or 'user@host'.

    The target is refused when it (or its percent-decoded form) holds anything a
    browser strips or rewrites, and it must parse to a path without a scheme or a
    host; then the browser reads it exactly as we do.
    """
    if not target or len(target) > 2000:
        return False
    for candidate in (target, unquote(target)):
        if candidate != candidate.strip() or _has_hidden_characters(candidate):
            return False
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            return False
        if candidate.startswith("//"):
            return False
    return True


def register_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _sep, nonce = session_id.partition(":")
        if not user_id.isdigit() or not nonce:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_nonce != nonce:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized() -> Response:
        login_url = flask_url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.htmx:
            response = Response(status=401)
            response.headers["HX-Redirect"] = login_url
            return response
        return redirect(login_url)

    @app.before_request
    def enforce_idle_timeout() -> Response | None:
        if not current_user.is_authenticated:
            return None
        now = datetime.now(UTC).timestamp()
        last_seen = session.get("seen")
        limit = app.config["IDLE_TIMEOUT"].total_seconds()
        if last_seen is not None and now - last_seen > limit:
            # Clear first: logout_user() marks the remember-me cookie for deletion
            # in the session; a clear() afterwards would undo that, and the cookie
            # would sign the user straight back in.
            session.clear()
            logout_user()
            flash(_("You were signed out after a period of inactivity."), "info")
            return unauthorized()
        session["seen"] = now
        renew_remember_cookie(now)
        return None


def renew_remember_cookie(now: float) -> None:
    """Keep a chosen remember-me cookie alive while the user is active.

    The cookie lives as long as the idle timeout (REMEMBER_COOKIE_DURATION), so a
    browser closed and reopened after the idle limit is signed out too; activity
    pushes its expiry forward (at most once a minute, not on every answer).
    """
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if name not in request.cookies or "_remember" in session:
        return
    if now - session.get("remember_renewed", 0) > REMEMBER_RENEW_SECONDS:
        session["_remember"] = "set"  # Flask-Login sets the cookie after the view
        session["remember_renewed"] = now


def has_forbidden_characters(values) -> bool:
    """True when one of the (key, value) pairs holds a forbidden control character."""
    return any(
        isinstance(value, str) and FORBIDDEN_CHARACTERS.search(key + value)
        for key, value in values
    )


def register_input_check(app: Flask) -> None:
    """Refuse control characters in the URL, the query and form fields (one place
    for every form: a clean 422 instead of a database error or hidden text)."""

    @app.before_request
    def refuse_control_characters() -> tuple[str, int] | None:
        if request.endpoint == "static":
            return None
        sources = [
            list((request.view_args or {}).items()),
            list(request.args.items(multi=True)),
        ]
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            sources.append(list(request.form.items(multi=True)))
        if not any(has_forbidden_characters(values) for values in sources):
            return None
        return _error_page(
            422,
            _(
                "The text you sent contains a control character (such as NUL) that"
                " is not allowed. Remove it and try again."
            ),
        )


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def set_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        hsts_max_age = app.config["HSTS_MAX_AGE"]
        # Only over HTTPS (directly, or from the trusted proxy through ProxyFix): a
        # plain-HTTP answer must not pin a local run to HTTPS.
        if request.is_secure and hsts_max_age > 0:
            headers["Strict-Transport-Security"] = f"max-age={hsts_max_age}"
        if request.endpoint == "static":
            return response  # public files without personal data: caches may keep them
        if current_user and current_user.is_authenticated:
            headers.setdefault("Cache-Control", "no-store")  # app/http_cache.py
        response.vary.add("HX-Request")
        return response


def _error_page(status: int, message: str) -> tuple[str, int]:
    template = "_error.html" if wants_fragment() else "error.html"
    return render_template(template, status=status, message=message), status


def reload_url() -> str:
    """The page the user was on (same site only), to reload after a conflict."""
    for candidate in (request.headers.get("HX-Current-URL"), request.referrer):
        if not candidate:
            continue
        parts = urlsplit(candidate)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc in ("", request.host) and is_safe_next(path):
            return path
    return request.path


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
        return _error_page(403, _("You are not allowed to do this."))

    @app.errorhandler(404)
    def not_found(_error):
        return _error_page(404, _("This page does not exist."))

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return _error_page(405, _("This action is not possible here."))

    @app.errorhandler(413)
    def too_large(_error):
        # Two decimals: a limit below one MB must not read "at most 0 MB".
        limit_mb = formatting.fmt_number(
            app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024), 2
        )
        return _error_page(
            413, _("The file is too large (at most %(mb)s MB).", mb=limit_mb)
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _error_page(
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
        return _error_page(500, _("Something went wrong on our side. Try again later."))


def wants_fragment() -> bool:
    """An htmx request that swaps part of a page (a history restore wants the
    whole page): answer with the fragment, else with the full page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def recent_activity(entity) -> list:
    """The recent activity of `entity` that the signed-in user may read."""
    from app.activity.queries import recent_for
    from app.activity.render import present

    return present(recent_for(current_user, entity))


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    for name, function in formatting.FILTERS.items():
        app.add_template_filter(function, name)
    app.jinja_env.globals.update(
        perm=permissions,
        label=labels.label,
        navigation=navigation,
        get_locale=get_locale,
        absolute_url=absolute_url,
        recent_activity=recent_activity,
    )

    from app.deadlines.deadlines import is_overdue

    app.jinja_env.tests["overdue"] = is_overdue

    @app.context_processor
    def inject_today() -> dict:
        return {"today": clock.today()}
