"""Every user-facing string has a Dutch translation, and both catalogs compile."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
}


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_has_a_dutch_translation():
    with open(ROOT / "translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    # a plural message's id and string are tuples: every form must be translated
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalog
        if m.id and m.string and all(m.string) and not m.fuzzy
    }
    missing = sorted(_source_messages() - translated)
    assert not missing, "run `make i18n` and translate: " + "; ".join(missing[:20])


def test_compiled_catalogs_are_present():
    # English msgids are the English text, so only Dutch needs entries.
    for language, minimum in (("nl", 100), ("en", 0)):
        path = ROOT / f"translations/{language}/LC_MESSAGES/messages.mo"
        with open(path, "rb") as handle:
            assert len(read_mo(handle)) >= minimum
