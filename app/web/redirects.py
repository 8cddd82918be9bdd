"""Where a redirect may go: same-site paths only."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


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
