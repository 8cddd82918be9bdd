"""Search fields take any length of text without a 500 (issue 24 item 21).

SQLite refuses a LIKE pattern longer than 50,000 characters ("LIKE or GLOB
pattern too complex"). Every search field (`*_search`) found on a GET page of
the route table, and every kind of /choices, is sent 200,000 characters: the
page answers, and the text used is cut as the header search cuts it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

import pytest

from app.choices import KINDS, field_name
from app.web.params import MAX_SEARCH_LENGTH, search_text
from tests.route_rows import ROLE_USERS, collect

ROUTES, PLACEHOLDERS = collect()
PAGES = [r for r in ROUTES if r.method == "GET" and not r.htmx]
SEARCH_FIELD = re.compile(r'<input\b[^>]*\bname="([\w-]+_search)"')
LONG = "ab" * 100_000


def _resolve(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(PLACEHOLDERS[m.group(1)]()), path)


@pytest.mark.parametrize("route", PAGES, ids=[r.label for r in PAGES])
def test_long_search_text_on_every_page(demo_login, route):
    client = demo_login(ROLE_USERS["coordinator"])
    url = _resolve(route.path)
    response = client.get(url)
    if response.status_code != 200 or response.mimetype != "text/html":
        return
    path, _sep, query = url.partition("?")
    base = dict(parse_qsl(query))
    for name in sorted(set(SEARCH_FIELD.findall(response.get_data(as_text=True)))):
        target = f"{path}?{urlencode({**base, name: LONG})}"
        status = client.get(target).status_code
        assert status == 200, f"{path}?{name}=<200,000 characters>: {status}"


@pytest.mark.parametrize("kind", KINDS)
def test_long_search_text_in_the_matches_of_every_kind(demo_login, kind):
    client = demo_login(ROLE_USERS["coordinator"])
    name = field_name(kind)
    response = client.htmx("GET", f"/choices/{kind}?{name}_search={LONG}")
    assert response.status_code == 200
    # Cut as the header search is: the first 200 characters match nothing.
    assert "<html" not in response.get_data(as_text=True)


def test_search_text_is_stripped_and_cut():
    assert search_text("  Izegem ") == "Izegem"
    assert search_text(LONG) == LONG[:MAX_SEARCH_LENGTH]
    assert search_text(None) == ""
