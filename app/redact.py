"""Secrets that travel in URLs, kept out of every log line (gunicorn's access log
and the app's own audit lines)."""

from __future__ import annotations

import re

#: The calendar feed's path holds its owner's token, which is the key to the feed.
CALENDAR_TOKEN = re.compile(r"(/calendar/)[^/?#\s\"]+")


def redact_secrets(text: str) -> str:
    """`text` (a path, a request line) with secret URL parts replaced."""
    return CALENDAR_TOKEN.sub(r"\1[token]", text or "")
