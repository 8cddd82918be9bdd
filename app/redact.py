"""Secrets that travel in URLs, kept out of every log line (gunicorn's access log
and the app's own audit lines)."""

from __future__ import annotations

import re

#: The calendar feed's path holds its owner's token, which is the key to the feed;
#: the unsubscribe links of the digest and of the event mail hold a token that
#: turns the owner's digest (or some of their mail) off.
SECRET_PATHS = re.compile(
    r"(/calendar/|/reminders/unsubscribe/|/notifications/unsubscribe/)[^/?#\s\"]+"
)


def redact_secrets(text: str) -> str:
    """`text` (a path, a request line) with secret URL parts replaced."""
    return SECRET_PATHS.sub(r"\1[token]", text or "")
