"""Every endpoint × role × method answers as the route table says (deny by default)."""

import re

import pytest

from app import create_app
from tests.conftest import TestConfig
from tests.route_rows import ROLE_USERS, ROLES, collect

ROUTES, PLACEHOLDERS = collect()
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _resolve(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(PLACEHOLDERS[m.group(1)]()), path)


CASES = [(route, role) for route in ROUTES for role in ROLES]


@pytest.mark.parametrize(
    ("route", "role"), CASES, ids=[f"{r.label} as {role}" for r, role in CASES]
)
def test_route_answers_as_the_table_says(
    demo_app, demo_client, demo_login, route, role
):
    client = demo_login(ROLE_USERS[role]) if role != "anonymous" else demo_client
    url = _resolve(route.path)
    # A form value may name a demo row too ("{forum}"), as a URL does.
    form = {k: _resolve(v) if isinstance(v, str) else v for k, v in route.data.items()}
    if route.method == "GET":
        response = client.htmx("GET", url) if route.htmx else client.get(url)
    else:
        if role == "anonymous":
            client.fetch_csrf("/login")
        else:
            client.fetch_csrf("/profile")
        if route.htmx:
            response = client.htmx(route.method, url, data=form)
        else:
            data = dict(form, csrf_token=client.csrf_token)
            response = client.open(url, method=route.method, data=data)
    expected = route.expected[role]
    assert response.status_code == expected, (
        f"{route.label} as {role}: {response.status_code} != {expected}"
    )
    if expected == 302 and role == "anonymous":
        assert response.headers["Location"].startswith("/login")


def test_every_endpoint_and_method_has_a_row_for_every_role():
    app = create_app(TestConfig)
    adapter = app.url_map.bind("localhost")
    covered = set()
    with app.app_context():
        for route in ROUTES:
            assert set(route.expected) == set(ROLES), f"{route.label}: roles missing"
            path = re.sub(r"\{\w+\}", "1", route.path).split("?")[0]
            endpoint, _args = adapter.match(path, method=route.method)
            covered.add((endpoint, route.method))
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "endpoints without a row in tests/route_rows: " + ", ".join(
        missing
    )
