"""The Dutch catalogue keeps to the glossary (docs/glossary.md): no msgstr uses a
term the glossary says not to use (issue 24 item 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOGUE = ROOT / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def forbidden_terms() -> list[str]:
    """The terms of the glossary's last column (a trailing * is a word stem)."""
    terms = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("Dutch term", "---"):
            continue
        terms += [t.strip() for t in cells[3].split(",") if t.strip() not in ("", "—")]
    return terms


def _pattern(term: str) -> re.Pattern:
    stem = term.endswith("*")
    word = re.escape(term.rstrip("*"))
    ending = r"\w*" if stem else r"\b"
    return re.compile(r"\b" + word + ending, re.IGNORECASE)


def _translations() -> list[tuple[str, str]]:
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file, locale="nl")
    found = []
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = (
            message.string if isinstance(message.string, tuple) else [message.string]
        )
        found += [(msgid, text) for text in strings if text]
    return found


def test_the_glossary_names_terms_not_to_use():
    terms = forbidden_terms()
    for term in ("bestuur", "samengevoegd", "kwijtgescholden", "je"):
        assert term in terms


@pytest.mark.parametrize("term", forbidden_terms())
def test_the_dutch_catalogue_avoids(term):
    pattern = _pattern(term)
    offending = [
        f"{msgid!r} => {text!r}"
        for msgid, text in _translations()
        if pattern.search(text)
    ]
    assert not offending, "\n".join(offending)


def test_the_delete_refusals_read_as_dutch():
    """The reasons follow "omdat": the verb comes last."""
    texts = dict(_translations())
    assert texts["it has dossiers"] == "er dossiers aan hangen"
    assert texts["it is published"] == "het gepubliceerd is"
    assert texts["it has documents"] == "er documenten zijn"
