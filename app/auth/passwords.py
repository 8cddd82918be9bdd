"""Password rules: long enough, hard to guess, not derived from the account.

"Hard to guess" is zxcvbn's estimate (its bundled lists: 30,000 leaked passwords,
English words, names, keyboard patterns, dates, l33t) with a minimum score, fed with
the account's own words, the municipalities and local words; plus the bundled list
of Dutch and local passwords, and a word-plus-digits rule (`Welkom2026!!`) that
zxcvbn does not know for Dutch words. zxcvbn also rates one or two common words,
months, seasons or place names with digits and symbols around them, or repeated,
as strong (`Summer2026!!!`, `Zomer2026!Zomer`, `Tielt-Roeselare-1`), which is the
first thing a guesser tries: those are refused too (`_built_on_common_words`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 200
#: zxcvbn's score from 0 to 4; 3 means about 10^8 guesses or more.
MIN_SCORE = 3
#: zxcvbn refuses longer input; the first 72 characters decide.
ZXCVBN_MAX_LENGTH = 72
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
GUESSABLE_FILE = Path(__file__).with_name("guessable_words.txt")
#: The most frequent English words of zxcvbn's lists taken as common words.
COMMON_ENGLISH_WORDS = 10_000
#: A password whose letters are at most this many different known words (with
#: digits and symbols around or between them) is refused.
MAX_KNOWN_WORDS = 2
#: Words a password here is often built on (a word, then digits and symbols).
LOCAL_WORDS = (
    "midwest",
    "password",
    "passwort",
    "wachtwoord",
    "paswoord",
    "welkom",
    "geheim",
    "zomer",
    "winter",
    "lente",
    "herfst",
    "voetbal",
    "gemeente",
    "gemeentehuis",
    "stadhuis",
    "burgemeester",
    "schepen",
    "vlaanderen",
    "westvlaanderen",
    "belgie",
    "digitaal",
    "digitaleregio",
    "regio",
)


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of passwords that attackers try first (lowercase)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower()
        for line in lines
        if line.strip() and not line.startswith("#")
    )


@cache
def common_words() -> frozenset[str]:
    """Dutch and English months, seasons, days, places and password words (the
    bundled list) and the most frequent English words (zxcvbn's lists)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    lines = GUESSABLE_FILE.read_text(encoding="utf-8").splitlines()
    words = {line.strip() for line in lines if line.strip() and line[0] != "#"}
    for source in ("english_wikipedia", "us_tv_and_film"):
        words.update(FREQUENCY_LISTS[source][:COMMON_ENGLISH_WORDS])
    return frozenset(word for word in words if len(word) >= 3 and word.isalpha())


def _built_on_common_words(lowered: str, words: set[str]) -> bool:
    """The letters of the password are one or two known words, repeated or not,
    in any order: 'summer', 'zomerzomer', 'tieltroeselare'."""
    letters = _letters(lowered)
    known = words | common_words()
    longest = max(map(len, known))

    @cache
    def covered(start: int, used: frozenset[str]) -> bool:
        if start == len(letters):
            return True
        ends = range(start + 3, min(len(letters), start + longest) + 1)
        return any(
            letters[start:end] in known
            and len(used | {letters[start:end]}) <= MAX_KNOWN_WORDS
            and covered(end, used | {letters[start:end]})
            for end in ends
        )

    return bool(letters) and covered(0, frozenset())


def _is_monotonous(password: str) -> bool:
    """One character repeated, or a run like 'abcdef…' / '123456…'."""
    if len(set(password)) <= 2:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    return steps <= {1} or steps <= {-1}


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _words(*texts: str) -> set[str]:
    """The lowercase words of names and email addresses (3+ letters)."""
    words = set()
    for text in texts:
        for word in re.split(r"[^a-z]+", (text or "").lower()):
            if len(word) >= 3:
                words.add(word)
    return words


def _word_plus_digits(lowered: str, words: set[str]) -> bool:
    """A known word with only digits and symbols around it: 'Roeselare2026!'."""
    letters = _letters(lowered)
    return len(letters) < 4 or letters in words


def password_problem(
    password: str,
    email: str = "",
    full_name: str = "",
    words: Iterable[str] = (),
) -> str | None:
    """Why `password` is not acceptable (a key of the messages), or None.

    `words` are more words a guesser would try for this account (the names of the
    municipalities, for one).
    """
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
    guessable = _words(email, full_name, *words) | set(LOCAL_WORDS)
    if _word_plus_digits(lowered, guessable):
        return "common"
    if _built_on_common_words(lowered, guessable):
        return "common_words"
    estimate = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=sorted(guessable))
    if estimate["score"] < MIN_SCORE:
        return "common"
    return None


def local_words() -> list[str]:
    """The names of the municipalities: words every guesser here tries first."""
    from sqlalchemy import select

    from app.extensions import db
    from app.municipalities.models import Municipality

    return list(db.session.scalars(select(Municipality.name)))
