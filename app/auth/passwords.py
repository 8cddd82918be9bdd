"""Password rules: long enough, not common, not derived from the account."""

from __future__ import annotations

from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of passwords that attackers try first (lowercase)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower()
        for line in lines
        if line.strip() and not line.startswith("#")
    )


def _is_monotonous(password: str) -> bool:
    """One character repeated, or a run like 'abcdef…' / '123456…'."""
    if len(set(password)) <= 2:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    return steps <= {1} or steps <= {-1}


def password_problem(password: str, email: str = "", full_name: str = "") -> str | None:
    """Why `password` is not acceptable (an English msgid), or None when it is."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in common_passwords() or _is_monotonous(lowered):
        return "common"
    personal = {email.lower(), email.split("@")[0].lower(), full_name.lower()}
    personal.discard("")
    if any(part and (lowered == part or lowered.startswith(part)) for part in personal):
        return "personal"
    return None
