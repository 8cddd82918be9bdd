"""Oversized whole numbers in URLs are no 500 (issue 24 item 20).

Every GET page of the route table (tests/route_rows), with each of its integer
parameters set to 2^31 (past PostgreSQL's INTEGER) and 2^63 (past SQLite's):
path ids from the route's `<int:…>` converters must be a 404, and query
parameters (the integer ones the page itself links or submits, and `page`)
anything but a server error. New pages and parameters are covered as they
appear in the table and on the pages.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from app.web.params import MAX_ID, parse_int, query_int
from tests.route_rows import ROLE_USERS, collect

ROUTES, PLACEHOLDERS = collect()
PAGES = [r for r in ROUTES if r.method == "GET" and not r.htmx]
HUGE = (2**31, 2**63, 10**23)
HREF = re.compile(r'(?:href|hx-get)="([^"]*)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
NUMERIC_FIELD = re.compile(
    r'<(?:input|option|select)\b[^>]*\bname="([\w-]+)"[^>]*\bvalue="(\d+)"'
)
SELECT = re.compile(r'<select\b[^>]*\bname="([\w-]+)"[^>]*>(.*?)</select>', re.S)


def _resolve(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(PLACEHOLDERS[m.group(1)]()), path)


def _integer_params(html: str, path: str) -> set[str]:
    """Query parameters with whole-number values in the page's own links to
    `path` and in its GET forms."""
    names = {"page"}
    for href in HREF.findall(html):
        url = urlsplit(unescape(href))
        if url.path in ("", path):
            names |= {k for k, v in parse_qsl(url.query) if v.isdigit()}
    for attributes, body in FORM.findall(html):
        if 'method="post"' in attributes.lower():
            continue
        names |= {name for name, _value in NUMERIC_FIELD.findall(body)}
        for name, options in SELECT.findall(body):
            if re.search(r'<option\b[^>]*value="\d+"', options):
                names.add(name)
    return names - {"csrf_token"}


@pytest.mark.parametrize("route", PAGES, ids=[r.label for r in PAGES])
def test_oversized_integers_are_no_server_error(demo_app, demo_login, route):
    client = demo_login(ROLE_USERS["coordinator"])
    url = _resolve(route.path)
    path, _sep, query = url.partition("?")
    base = dict(parse_qsl(query))
    adapter = demo_app.url_map.bind("localhost")
    rule, args = adapter.match(path, method="GET", return_rule=True)
    for name, converter in rule._converters.items():
        if not isinstance(converter, IntegerConverter):
            continue
        for number in HUGE:
            huge_path = adapter.build(rule.endpoint, {**args, name: number})
            status = client.get(huge_path).status_code
            assert status == 404, f"{huge_path}: {status}"
    response = client.get(url)
    if response.status_code != 200 or response.mimetype != "text/html":
        return
    for name in sorted(_integer_params(response.get_data(as_text=True), path)):
        for number in HUGE:
            target = f"{path}?{urlencode({**base, name: number})}"
            status = client.get(target).status_code
            assert status < 500, f"{target}: {status}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (str(2**63), None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("١", None),  # an Arabic-Indic one
        ("²", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_int_takes_only_plain_numbers_in_range(raw, expected):
    assert parse_int(raw) == expected


def test_query_int_falls_back_to_the_default(app):
    with app.test_request_context(f"/?page={2**63}&theme=7&x=abc"):
        assert query_int("page", 1) == 1
        assert query_int("theme") == 7
        assert query_int("x") is None
        assert query_int("missing", 3) == 3


@pytest.mark.parametrize("number", HUGE)
def test_oversized_id_in_a_form_is_a_422(app, login_as, number):
    """A search field's id (IdField) past the column's range: refused, nothing
    changes (sent to the database it would fail the query)."""
    from app.auth.models import User
    from app.extensions import db
    from tests import factories

    other = factories.user("viewer", email="lid@example.org")
    client = login_as("coordinator")
    data = {
        "email": "lid@example.org",
        "full_name": "Lid",
        "role": "municipality",
        "municipality_id": str(number),
        "language": "nl",
        "active": "y",
    }
    response = client.form(f"/admin/users/{other.id}", data)
    assert response.status_code == 422
    assert "Ongeldig getal." in response.get_data(as_text=True)
    assert db.session.get(User, other.id).role == "viewer"
