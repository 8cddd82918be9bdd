"""Sign-in state per request: the user loader, the idle timeout, remember-me."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, g, redirect, request, session
from flask import url_for as flask_url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_loaded_from_cookie
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app import clock
from app.auth.models import User
from app.auth.oidc import SESSION_PROVIDER
from app.extensions import db, login_manager
from app.web.redirects import is_safe_next

REMEMBER_RENEW_SECONDS = 60

#: Requests a page makes by itself (the bell's polling): they are no activity of
#: the person, so they neither postpone the idle timeout nor renew remember-me.
PASSIVE_ENDPOINTS = frozenset({"notifications.bell"})

#: What a user who must choose a new password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset(
    {"auth.password_page", "auth.profile_password", "auth.logout", "static"}
)


#: The signed-in user, with the municipality the header names (loaded lazily it
#: would cost a statement on some pages only). Built once: every request runs
#: it, and a statement object keeps its cache key (session.get would build and
#: walk a new statement each time).
_USER_BY_ID = (
    select(User)
    .options(joinedload(User.municipality))
    .where(User.id == bindparam("user_id"))
)


def register_session(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _sep, nonce = session_id.partition(":")
        if not user_id.isdigit() or not nonce:
            return None
        user = db.session.execute(
            _USER_BY_ID, {"user_id": int(user_id)}
        ).scalar_one_or_none()
        if user is None or not user.active or user.session_nonce != nonce:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized() -> Response:
        login_url = flask_url_for("auth.login", next=_back_to())
        if request.htmx:
            response = Response(status=401)
            response.headers["HX-Redirect"] = login_url
            return response
        return redirect(login_url)

    @user_loaded_from_cookie.connect_via(app)
    def from_remember_cookie(_app, user: User) -> None:
        g.remembered_user = user

    @app.before_request
    def enforce_idle_timeout() -> Response | None:
        if not current_user.is_authenticated:
            return None
        now = clock.now_utc().timestamp()
        last_seen = session.get("seen")
        if last_seen is None and g.pop("remembered_user", None) is not None:
            # A session rebuilt from the remember-me cookie: idle since the
            # user's last activity under that cookie, wherever it was.
            seen_at = current_user.remember_seen_at
            last_seen = seen_at.timestamp() if seen_at else 0
        limit = app.config["IDLE_TIMEOUT"].total_seconds()
        if last_seen is not None and now - last_seen > limit:
            # Clear first: logout_user() marks the remember-me cookie for deletion
            # in the session; a clear() afterwards would undo that, and the cookie
            # would sign the user straight back in.
            session.clear()
            logout_user()
            flash(_("You were signed out after a period of inactivity."), "info")
            # What the browser kept of the person's pages goes with them.
            g.clear_site_data = True
            if request.endpoint == "auth.login":
                return None  # the sign-in page itself, not a redirect to it
            return unauthorized()
        if request.endpoint in PASSIVE_ENDPOINTS:
            return None
        session["seen"] = now
        renew_remember_cookie(now)
        return None

    @app.after_request
    def clear_site_data_after_idle(response: Response) -> Response:
        if g.pop("clear_site_data", False):
            response.headers["Clear-Site-Data"] = '"cache"'
        return response

    @app.before_request
    def require_own_password() -> Response | None:
        """An account with a temporary password goes to the password form first."""
        if not current_user.is_authenticated or not current_user.must_change_password:
            return None
        if session.get(SESSION_PROVIDER):
            return None  # signed in through a provider: no password used here
        if request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
            return None
        target = flask_url_for("auth.password_page")
        if request.htmx:
            response = Response(status=204)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)


def _back_to() -> str:
    """Where to return after signing in: the page itself, or for an htmx request
    the page it came from (its form is filled in again there: static/app.js)."""
    if request.htmx:
        parts = urlsplit(request.headers.get("HX-Current-URL", ""))
        page = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc == request.host and is_safe_next(page):
            return page
    return request.full_path.rstrip("?")


def renew_remember_cookie(now: float) -> None:
    """Keep a chosen remember-me cookie alive while the user is active.

    The cookie lives as long as the idle timeout (REMEMBER_COOKIE_DURATION), so a
    browser closed and reopened after the idle limit is signed out too; activity
    pushes its expiry forward (at most once a minute, not on every answer), and
    the user's `remember_seen_at` with it: a copy of the cookie used elsewhere
    after the idle limit is refused (the cookie holds no time of its own).
    """
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if name not in request.cookies or "_remember" in session:
        return
    if now - session.get("remember_renewed", 0) > REMEMBER_RENEW_SECONDS:
        session["_remember"] = "set"  # Flask-Login sets the cookie after the view
        session["remember_renewed"] = now
        current_user.remember_seen_at = datetime.fromtimestamp(now, UTC)
        db.session.commit()
