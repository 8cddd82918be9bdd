"""Conditional GET for signed-in pages: a reload of an unchanged page costs a 304.

A signed-in full page (GET, 200, HTML) gets ``Cache-Control: private, no-cache``
and an ETag instead of ``no-store``: the browser may keep it but must ask first.
The ETag is an HMAC (keyed with SECRET_KEY) of everything the page depends on,
all known *before* the view runs, so a matching ``If-None-Match`` is answered
with a 304 before anything is loaded or rendered:

- the user and their session nonce (logout, a password change or a reset rotate
  it: every older ETag of that person stops matching), and the session's CSRF
  secret (the page embeds a token made from it);
- the language and the sum of the table versions of app/readmodel.py (every
  write by anyone, a role or language change and a sign-in included, raises it);
- the URL with its query string, and a fingerprint of the code, templates and
  catalogs (a deploy changes the pages);
- the moment it was issued: pages show time-relative things (a call's countdown,
  what is overdue today), so an ETag matches for HTTP_CACHE_SECONDS at most.

The page has no per-request nonce (the CSP is nonce-free), so a 304 that lets
the browser reuse its copy is exactly what a new rendering would be.

Never for htmx requests (fragments share the URL of pages), for responses that
set a cookie of their own or show flash messages, or when flashes are waiting
(the rendering would show and consume them). The routine refresh of the session
cookie (idle timeout) may travel with a 304, as HTTP allows. On logout the
browser is told to drop what it cached (Clear-Site-Data; after an idle sign-out
app/web/session.py does the same).

Nor for pages marked `@no_store`: a secret (the calendar feed address) or a
confidential dossier must not stay on a shared computer's disk at all.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib.metadata
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

from flask import (
    Flask,
    Response,
    current_app,
    g,
    make_response,
    request,
    session,
)
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_login import current_user

from app.config import ROOT
from app.readmodel import current_generation

#: What a page is made of besides the data: a change here is a new deploy.
CODE_FOLDERS = ("app", "templates", "translations")
_INPUTS = "http_cache_inputs"  # flask.g: the page's inputs, read before the view


@functools.cache
def code_fingerprint(root: Path = ROOT) -> str:
    """A digest of the release: the package version and the names (relative to
    the checkout) and contents of the files pages are made of. Never times or
    absolute paths, so every host of one release has the same fingerprint (an
    ETag from one host is good on another). Once per process: a deploy starts
    new processes."""
    digest = hashlib.sha256(_version(root).encode())
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and not _compiled(path):
                digest.update(f"\n{path.relative_to(root).as_posix()}\n".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _compiled(path: Path) -> bool:
    """Bytecode: made on each host from the sources, never part of the release."""
    return "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo")


def _version(root: Path) -> str:
    """The release's version as pyproject.toml gives it, or the installed
    package's metadata (a wheel has no pyproject.toml); '' without either."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        try:
            return importlib.metadata.version("midwest-tracker")
        except importlib.metadata.PackageNotFoundError:
            return ""
    return (
        tomllib.loads(pyproject.read_text("utf-8"))
        .get("project", {})
        .get("version", "")
    )


def no_store(view: Callable) -> Callable:
    """A page never kept by the browser (`Cache-Control: no-store`, no ETag)."""

    @functools.wraps(view)
    def never_stored(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return never_stored


def _eligible_request() -> bool:
    return (
        request.method == "GET"
        and request.endpoint not in (None, "static")
        and not request.headers.get("HX-Request")
        and current_user.is_authenticated
    )


def page_inputs() -> str:
    """What the page of this request depends on, besides the moment and the
    CSRF secret (read before the view: the table versions it starts from)."""
    return "\n".join(
        [
            str(current_user.id),
            current_user.session_nonce,
            str(get_locale()),
            str(current_generation()),
            request.full_path,
            current_app.extensions["http_cache_code"],
        ]
    )


def _with_csrf_secret(inputs: str) -> str:
    # The first page of a session makes the secret while rendering: the ETag
    # takes it as it is after the rendering, the check as it is before.
    return f"{inputs}\n{session.get('csrf_token', '')}"


def make_etag(inputs: str, issued: int) -> str:
    """The ETag of a page with these inputs issued at `issued` (Unix seconds)."""
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"{issued}\n{inputs}".encode(), hashlib.sha256)
    return f"{issued}-{mac.hexdigest()[:32]}"


def still_valid(etag: str, inputs: str, now: int) -> bool:
    """Whether an ETag sent back was made for these inputs, recently enough."""
    issued_text, _sep, _mac = etag.partition("-")
    if not issued_text.isdigit():
        return False
    issued = int(issued_text)
    if not 0 <= now - issued < current_app.config["HTTP_CACHE_SECONDS"]:
        return False
    return hmac.compare_digest(etag, make_etag(inputs, issued))


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("HX-Request")
    return response


def register_http_cache(app: Flask) -> None:
    """Answer 304 to a matching If-None-Match; tag the pages that may be cached.

    Registered after app.web's hooks: the idle timeout and the input check run
    before the 304 is decided, and the headers here are set before theirs."""
    app.extensions["http_cache_code"] = code_fingerprint()

    @app.before_request
    def answer_not_modified() -> Response | None:
        if not _eligible_request():
            return None
        inputs = page_inputs()
        g.setdefault(_INPUTS, inputs)
        if "_flashes" in session:
            g.http_cache_skip = True  # the page will show (and use up) flashes
            return None
        now, inputs = int(time.time()), _with_csrf_secret(inputs)
        for etag in request.if_none_match.as_set():
            if still_valid(etag, inputs, now):
                return _not_modified(etag)
        return None

    @app.after_request
    def tag_page(response: Response) -> Response:
        if request.endpoint == "auth.logout":
            # What this browser cached of the person's pages goes with them.
            response.headers["Clear-Site-Data"] = '"cache"'
            return response
        inputs = g.get(_INPUTS)
        if (
            inputs is None
            or g.get("http_cache_skip")
            or request_ctx.flashes  # the page shows flash messages
            or response.status_code != 200
            or response.mimetype != "text/html"
            or response.headers.getlist("Set-Cookie")
            or response.direct_passthrough
            or "Cache-Control" in response.headers
        ):
            return response
        response.set_etag(make_etag(_with_csrf_secret(inputs), int(time.time())))
        response.headers["Cache-Control"] = "private, no-cache"
        return response
