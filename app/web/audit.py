"""Where the audit lines go."""

from __future__ import annotations

import logging

from app.auth.service import audit


def register_audit_log() -> None:
    """Audit lines (sign-ins, failures, 403s; never secrets) go to standard error."""
    if not audit.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        audit.addHandler(handler)
        audit.setLevel(logging.INFO)
