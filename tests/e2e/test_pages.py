"""Every page of spec §3 for every role: no console errors, no CSP violations,
and no serious or critical accessibility violations (axe-core)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROLE_USERS, run_axe
from tests.e2e.live import demo_ids

pytestmark = pytest.mark.e2e

ROLES = ("coordinator", "lead", "municipality", "viewer")
#: Pages of spec §3, with {placeholders} resolved on the live demo data.
PAGES = [
    "/",
    "/trajectory",
    "/threads",
    "/threads/{thread}",
    "/rounds",
    "/rounds/{open_round}",
    "/rounds/{closed_round}/results",
    "/themes",
    "/themes/{theme}",
    "/groups/{group}",
    "/tasks",
    "/calls",
    "/calls/{open_call}",
    "/applications",
    "/applications/{application}",
    "/municipalities",
    "/municipalities/{slug}",
    "/deadlines",
    "/activity",
    "/admin/users",
    "/profile",
]
#: Pages a role may not open (they answer 403/404, checked by the route table).
NOT_FOR = {
    "viewer": {
        "/applications",
        "/applications/{application}",
        "/activity",
        "/admin/users",
    },
    "lead": {"/admin/users"},
    "municipality": {"/admin/users"},
}
CASES = [
    (role, path)
    for role in ROLES
    for path in PAGES
    if path not in NOT_FOR.get(role, ())
] + [(None, "/login")]


def _ids(case) -> str:
    role, path = case
    return f"{role or 'anonymous'} {path}"


def resolve(live, role: str | None, path: str) -> str:
    """Fill the placeholders of `path` from the demo data, as `role` may see it."""
    if "{" not in path:
        return path
    return path.format(**demo_ids(live.app, ROLE_USERS[role]))


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_page_has_no_console_errors_csp_violations_or_serious_axe_findings(
    case, live, role_pages
):
    role, path = case
    url = resolve(live, role, path)
    page, watched = role_pages(role)

    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    assert role is None or "/login" not in page.url, f"{role} was signed out"
    watched.assert_clean(url)

    violations = run_axe(page)
    assert not violations, f"{url} as {role}: {violations}"
    watched.assert_clean(f"{url} after axe")
