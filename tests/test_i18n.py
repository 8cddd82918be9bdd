"""Every user-facing string has a Dutch translation; the committed compiled
catalogs match their sources; the app refuses to start without them."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from app import create_app
from app.config import TestConfig

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


def extracted_messages() -> dict[str, str | None]:
    """Every message in the code and templates: msgid -> plural msgid (or None)."""
    found: dict[str, str | None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        if isinstance(message, str):
            found.setdefault(message, None)
        else:
            found[message[0]] = message[1]
    return found


def _source_messages() -> set[str]:
    return set(extracted_messages())


def _complete(string: str | tuple) -> bool:
    """A translation, with every plural form when it has plural forms."""
    return all(string) if isinstance(string, tuple) else bool(string)


def test_every_string_has_a_dutch_translation():
    with open(ROOT / "translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and not m.fuzzy and _complete(m.string)
    }
    missing = sorted(_source_messages() - translated)
    assert not missing, "run `make i18n` and translate: " + "; ".join(missing[:20])


def test_compiled_catalogs_are_present():
    # English msgids are the English text, so only Dutch needs entries.
    for language, minimum in (("nl", 100), ("en", 0)):
        path = ROOT / f"translations/{language}/LC_MESSAGES/messages.mo"
        with open(path, "rb") as handle:
            assert len(read_mo(handle)) >= minimum


def _messages(catalog) -> dict:
    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_committed_catalog_matches_its_source(language, tmp_path):
    folder = ROOT / "translations" / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as handle:
        source = read_po(handle, locale=language)
    with open(tmp_path / "messages.mo", "wb") as handle:
        write_mo(handle, source)
    with open(tmp_path / "messages.mo", "rb") as handle:
        expected = _messages(read_mo(handle))
    with open(folder / "messages.mo", "rb") as handle:
        committed = _messages(read_mo(handle))
    assert committed == expected, f"run `make i18n-compile` and commit {language}"


def test_the_app_refuses_to_start_without_a_compiled_catalog(tmp_path):
    (tmp_path / "en" / "LC_MESSAGES").mkdir(parents=True)
    with open(ROOT / "translations/en/LC_MESSAGES/messages.mo", "rb") as source:
        (tmp_path / "en" / "LC_MESSAGES" / "messages.mo").write_bytes(source.read())

    class WithoutDutch(TestConfig):
        BABEL_TRANSLATION_DIRECTORIES = str(tmp_path)

    with pytest.raises(RuntimeError, match=r"catalog for nl\b.*pybabel compile"):
        create_app(WithoutDutch)


def test_a_configured_extra_language_needs_a_catalog_too():
    class WithFrench(TestConfig):
        LANGUAGES = ("nl", "en", "fr")

    with pytest.raises(RuntimeError, match="catalog for fr"):
        create_app(WithFrench)


def test_the_dutch_catalog_has_plural_forms():
    with open(ROOT / "translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"


def test_counts_take_the_plural_form_they_need(login_as):
    from app.extensions import db
    from tests import factories

    client = login_as("coordinator")
    group = factories.group()
    factories.task(group)
    factories.municipality()
    db.session.commit()
    one = client.get("/tasks").get_data(as_text=True)
    assert "1 taak" in one and "1 taken" not in one
    assert "<strong>1</strong> <span>gemeente</span>" in client.get("/").get_data(
        as_text=True
    )
    factories.task(group)
    factories.municipality()
    db.session.commit()
    assert "2 taken" in client.get("/tasks").get_data(as_text=True)
    assert "<strong>2</strong> <span>gemeenten</span>" in client.get("/").get_data(
        as_text=True
    )


def test_user_locale_is_the_users_language_or_the_default(app):
    from app.auth.models import User
    from app.i18n import user_locale

    assert user_locale(User(language="en")) == "en"
    assert user_locale(User(language="nl")) == "nl"
    assert user_locale(User(language="fr")) == "nl"  # never stored: not configured
    assert user_locale(None) == "nl"
