"""The template shortcuts write what Flask and Flask-Babel write: url_for through
a pattern per endpoint (app/web/templates.py) and gettext through the request's
catalog kept beside its locale (app/i18n.py)."""

from __future__ import annotations

import pytest
from flask import render_template_string, url_for
from flask_babel import force_locale, get_translations, gettext, ngettext, refresh

from app.i18n import request_translations
from app.web.templates import pattern_url_for

#: Whole numbers a route may get: small, ten digits, the stand-in itself.
NUMBERS = (0, 7, 42, 2_024_000_000, 2_147_483_647)


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        names = sorted(
            name
            for name, conv in rule._converters.items()
            if type(conv).__name__ == "BoundedIntConverter"
        )
        if names and len(names) == len(rule.arguments):
            yield rule.endpoint, names


def test_pattern_urls_are_url_fors_for_every_route_with_ids(app):
    """Every route whose arguments are ids, with several numbers, a query string
    and a script root: the same URL as url_for."""
    build = pattern_url_for(app)
    endpoints = list(_int_rules(app))
    assert len(endpoints) > 40
    for script_root in ("", "/tracker"):
        with app.test_request_context("/", base_url=f"http://x{script_root}/"):
            for endpoint, names in endpoints:
                for number in NUMBERS:
                    values = {n: number + i for i, n in enumerate(names)}
                    assert build(endpoint, **values) == url_for(endpoint, **values)
                    paged = {**values, "page": number + 1, "theme": 3}
                    assert build(endpoint, **paged) == url_for(endpoint, **paged)


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [
        ("work.tasks", {}),
        ("work.tasks", {"status": "open", "page": 2}),  # text: url_for itself
        ("work.group", {"group_id": 5, "_anchor": "tasks"}),
        ("work.group", {"group_id": True}),
        ("work.group", {"group_id": 5, "_external": True}),
    ],
)
def test_other_values_go_to_url_for(app, endpoint, values):
    with app.test_request_context("/"):
        assert pattern_url_for(app)(endpoint, **values) == url_for(endpoint, **values)


def test_templates_use_the_pattern_urls(app):
    with app.test_request_context("/"):
        page = render_template_string("{{ url_for('work.group', group_id=12) }}")
        assert page == url_for("work.group", group_id=12) == "/groups/12"
        assert app.jinja_env.globals["url_for"] is not app.url_for


@pytest.mark.parametrize("language", ["nl", "en"])
def test_template_gettext_follows_the_locale(app, language):
    """The kept catalog is the request's, and force_locale and refresh() are
    followed (mail in the reader's language)."""
    other = "en" if language == "nl" else "nl"
    template = "{{ _('Sign out') }}|{{ ngettext('%(num)s task', '%(num)s tasks', 3) }}"
    with app.test_request_context("/"):
        app.config["BABEL_DEFAULT_LOCALE"] = language
        refresh()
        first = render_template_string(template)
        assert (
            first
            == f"{gettext('Sign out')}|{ngettext('%(num)s task', '%(num)s tasks', 3)}"
        )
        assert request_translations() is get_translations()
        with force_locale(other):
            switched = render_template_string(template)
            assert request_translations() is get_translations()
        assert switched != first
        assert render_template_string(template) == first
        app.config["BABEL_DEFAULT_LOCALE"] = other
        refresh()
        assert render_template_string(template) == switched


def test_template_gettext_escapes_and_formats_as_jinja_does(app):
    """Values are escaped into the translated text; `%%` is a percent sign;
    {% trans %} blocks and `_` go the same way."""
    with app.test_request_context("/"):
        page = render_template_string(
            "{{ _('Delete the task “%(title)s”?', title='<b>') }}|{{ _('100%%') }}|"
            "{% trans n=2 %}{{ n }} task{% pluralize %}{{ n }} tasks{% endtrans %}|"
            "{{ ngettext('%(num)s task', '%(num)s tasks', 1) }}"
        )
        assert "&lt;b&gt;" in page and "<b>" not in page
        assert "|100%|" in page
        assert page.endswith(f"|{ngettext('%(num)s task', '%(num)s tasks', 1)}")
        assert page.split("|")[2] == "2 tasks"


def test_a_template_may_pass_num_to_format_the_number(app):
    """As Jinja's own ngettext: `num=` replaces the count in the text (a
    municipality's 12.345 inhabitants), and `string=` is just a value."""
    with app.test_request_context("/"), force_locale("nl"):
        page = render_template_string(
            "{{ ngettext('%(num)s inhabitant', '%(num)s inhabitants', 12345,"
            " num='12.345') }}|{{ _('%(string)s', string='x') }}"
        )
    assert page == "12.345 inwoners|x"


def test_a_municipality_page_shows_its_population(app, login_as):
    from app.extensions import db
    from tests import factories

    municipality = factories.municipality(name="Pittem", population=6841)
    db.session.commit()
    page = login_as("coordinator").get(f"/municipalities/{municipality.slug}")
    assert page.status_code == 200
    assert "6.841 inwoners" in page.get_data(as_text=True)
