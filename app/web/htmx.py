"""htmx helpers of the views: fragment or whole page, the page to reload."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from app.web.redirects import is_safe_next


def wants_fragment() -> bool:
    """An htmx request that swaps part of a page (a history restore wants the
    whole page): answer with the fragment, else with the full page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


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
