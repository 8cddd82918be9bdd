"""Cookieless paths: the public pages, the open data, the API and the unsubscribe
links of the digest and of the event mail.

Their answers are the same for everyone who asks (public) or depend on a bearer
token (API) or a signed address (unsubscribe), so they must never read or set a
cookie: a proxy can cache the public ones, and a token request cannot ride on a
browser's session. The session of such a request starts empty and is never saved,
nobody is signed in from a cookie (the remember-me cookie is neither read nor
renewed); the language comes from `?lang=` or the Accept-Language header.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface

PREFIXES = (
    "/public",
    "/api",
    "/reminders/unsubscribe",
    "/notifications/unsubscribe",
)


def is_cookieless_path(path: str) -> bool:
    """/public, /public/…, /api, /api/…, /reminders/unsubscribe/…,
    /notifications/unsubscribe/… (not /publications, the coordinator's)."""
    return any(path == p or path.startswith(p + "/") for p in PREFIXES)


class CookielessSessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, except on cookieless paths: empty, never saved."""

    def open_session(self, app, request):
        if is_cookieless_path(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if is_cookieless_path(request.path):
            return
        super().save_session(app, session, response)


def public_locale() -> str:
    """`?lang=en|nl`, else the browser's preference, else Dutch."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    return request.accept_languages.best_match(languages, default=default)


def nobody_from_cookies() -> None:
    """Nobody is signed in on a cookieless path before anything asks who is: else
    Flask-Login would sign a remember-me cookie in (and the idle check renew it).
    The API puts its token's user in place afterwards."""
    if is_cookieless_path(request.path):
        current_app.login_manager._update_request_context_with_user()


def install(app: Flask) -> None:
    """Called before the app's request handling registers its hooks (idle timeout,
    password rule): `nobody_from_cookies` runs before they ask for the user."""
    app.session_interface = CookielessSessionInterface()
    app.before_request(nobody_from_cookies)
