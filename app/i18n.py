"""Language and time zone of a request, of a user, and the catalogs behind them."""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from app.public.cookieless import is_cookieless_path, public_locale


def current_locale() -> Locale | None:
    """The locale Flask-Babel chose for this context (`force_locale` included),
    read where it keeps it: labels and numbers ask for it on every call, and
    `get_locale()` goes through four proxies of `g` each time."""
    app_context = _cv_app.get(None)
    if app_context is not None:
        babel_context = app_context.g.__dict__.get("_flask_babel")
        locale = getattr(babel_context, "babel_locale", None)
        if locale is not None:
            return locale
    return get_locale()  # not chosen yet in this context: Flask-Babel chooses


def language_cache() -> dict | None:
    """A dict of this app for the context's language (None outside an app): what
    is translated once there, not on every call (labels)."""
    app_context = _cv_app.get(None)
    locale = current_locale()
    if app_context is None or locale is None:
        return None
    caches = app_context.app.extensions.setdefault("language_caches", {})
    cache = caches.get(locale)
    if cache is None:
        cache = caches[locale] = {}
    return cache


def user_locale(user) -> str:
    """The language `user` reads in: pages, exports, e-mail and the calendar feed.

    Use it as `with force_locale(user_locale(user)):` outside the user's own
    request (mail, feeds).
    """
    languages = current_app.config["LANGUAGES"]
    language = getattr(user, "language", None)
    return (
        language
        if language in languages
        else current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_locale() -> str:
    """The user's choice; before sign-in `?lang=en` (remembered); else Dutch.

    Outside a request (commands, jobs, the benchmark calling domain functions)
    there is no user or session: the default language, unless the caller chose
    one with `force_locale`."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if is_cookieless_path(request.path):
        if current_user and current_user.is_authenticated:
            return user_locale(current_user)  # the API's token owner
        return public_locale()  # no session to remember a choice in
    if current_user and current_user.is_authenticated:
        return user_locale(current_user)
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
    return session.get("lang", current_app.config["BABEL_DEFAULT_LOCALE"])


def language_chosen_before_sign_in() -> str | None:
    """The language picked on the login page in this session, if any."""
    chosen = session.get("lang")
    return chosen if chosen in current_app.config["LANGUAGES"] else None


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def missing_catalogs(app: Flask) -> list[str]:
    """Configured languages without a compiled catalog (`messages.mo`)."""
    config = app.config
    languages = dict.fromkeys([config["BABEL_DEFAULT_LOCALE"], *config["LANGUAGES"]])
    domain = config.get("BABEL_DOMAIN", "messages")
    folders = [
        Path(app.root_path, folder)
        for folder in config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    ]
    return [
        language
        for language in languages
        if not any(
            (folder / language / "LC_MESSAGES" / f"{domain}.mo").is_file()
            for folder in folders
        )
    ]


def check_catalogs(app: Flask) -> None:
    """Refuse to start when a configured language would silently show English."""
    missing = missing_catalogs(app)
    if missing:
        raise RuntimeError(
            "No compiled translation catalog for "
            + ", ".join(missing)
            + " in "
            + app.config["BABEL_TRANSLATION_DIRECTORIES"]
            + ": run `pybabel compile -d translations` (or `make i18n-compile`)."
        )


def request_translations():
    """The catalog of the request's language, as flask_babel's get_translations()
    finds it, kept beside the locale it was found for: templates translate
    hundreds of strings a page, and flask_babel looks the request up four times a
    string. A changed locale (force_locale, refresh) is looked up again."""
    try:
        context = g._flask_babel
        locale, translations = context.request_translations
        if locale is context.babel_locale:
            return translations
    except (AttributeError, RuntimeError):  # not yet, or outside a request
        pass
    translations = get_translations()
    context = getattr(g, "_flask_babel", None) if g else None
    locale = getattr(context, "babel_locale", None)
    if locale is not None:
        context.request_translations = (locale, translations)
    return translations


@pass_context
def template_gettext(context, string: str, /, **variables) -> str:
    """Jinja's newstyle gettext (the same escaping and formatting), without its
    two calls through the template context per string."""
    text = request_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - catalog text; values escaped by %
    return text % variables  # always a format string, as Jinja's


@pass_context
def template_ngettext(context, singular: str, plural: str, num: int, /, **variables):
    """Jinja's newstyle ngettext, likewise (positional-only, as Jinja's: a
    template may pass `num=` to show the number formatted)."""
    variables.setdefault("num", num)
    text = request_translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - catalog text; values escaped by %
    return text % variables


def install_template_gettext(app: Flask) -> None:
    """Jinja's `_`, `gettext`, `ngettext`... through request_translations()
    (flask_babel installs the same callables, each looking the request up)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    # `_` straight to gettext (Jinja's alias looks `gettext` up on each call).
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
