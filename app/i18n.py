"""Language and time zone of a request."""

from flask import current_app, request, session
from flask_login import current_user

from app.public.cookieless import is_cookieless_path, public_locale


def select_locale() -> str:
    """The user's choice; before sign-in `?lang=en` (remembered); else Dutch."""
    languages = current_app.config["LANGUAGES"]
    if is_cookieless_path(request.path):
        return public_locale()  # no session to remember a choice in
    if current_user and current_user.is_authenticated:
        return current_user.language
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
    return session.get("lang", current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]
