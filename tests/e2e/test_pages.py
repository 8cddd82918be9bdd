"""Every page of spec §3 for every role (the public pages and the API reference
without sign-in), in Dutch and in English, in the light and the dark colour
scheme: no console errors, no CSP violations, no accessibility violations of any
impact (axe-core: WCAG 2.0/2.1 A and AA and best practices, colour contrast
included), and no sideways page scroll on a 320 × 720 phone (WCAG 1.4.10) nor on
a 1,280 px screen."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.e2e.conftest import PHONE, ROLE_USERS, page_overflow, run_axe
from tests.e2e.live import VIEWPORT, demo_ids

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
    "/profile/notifications",
    "/notifications",
    "/search?q=roeselare",
    "/municipalities/{slug}/edit",
    "/imports/scores",
    "/meetings",
    "/meetings/{meeting}",
    "/meetings/{meeting}/pack",
]
#: Pages a role may not open (they answer 403/404, checked by the route table).
COORDINATOR_ONLY = {"/admin/users", "/municipalities/{slug}/edit", "/imports/scores"}
NOT_FOR = {
    "viewer": {
        "/applications",
        "/applications/{application}",
        "/activity",
    }
    | COORDINATOR_ONLY,
    "lead": COORDINATOR_ONLY,
    "municipality": COORDINATOR_ONLY,
}
#: Pages without sign-in: they look the same to everyone (no cookie is read).
PUBLIC_PAGES = [
    "/login",
    "/public",
    "/public/themes/{public_theme}",
    "/public/municipalities/roeselare",
    "/api/v1/",
]
CASES = (
    [
        (role, path)
        for role in ROLES
        for path in PAGES
        if path not in NOT_FOR.get(role, ())
    ]
    + [(None, path) for path in PUBLIC_PAGES]
    + [
        # Filter states: an empty column and table, a narrow task list.
        ("coordinator", "/applications?status=closed&call={open_call}"),
        ("coordinator", "/tasks?status=blocked&due=overdue"),
    ]
)


def _ids(case) -> str:
    role, path = case
    return f"{role or 'anonymous'} {path}"


def resolve(live, role: str | None, path: str) -> str:
    """Fill the placeholders of `path` from the demo data, as `role` may see it."""
    if "{" not in path:
        return path
    if role is None:
        return path.format(public_theme=published_theme(live.app))
    return path.format(**demo_ids(live.app, ROLE_USERS[role]))


def published_theme(app) -> int:
    """A theme the demo coordinator published."""
    from app.extensions import db
    from app.public.pages import published_themes

    with app.app_context():
        theme_id = published_themes()[0].id
        db.session.remove()
    return theme_id


@pytest.fixture(scope="session")
def api_tokens(live):
    """Every demo user has a personal API token, so /profile shows its table."""
    from sqlalchemy import select

    from app.api import tokens
    from app.auth.models import User
    from app.extensions import db

    with live.app.app_context():
        for email in ROLE_USERS.values():
            user = db.session.scalar(select(User).where(User.email == email))
            tokens.create_token(user, "Kwartaalrapport van de dienst Financiën")
        db.session.commit()
        db.session.remove()


@contextmanager
def speaking(live, role: str | None, language: str):
    """The demo user of `role` reads the app in `language` (back to Dutch after)."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db

    def set_language(value: str) -> None:
        if role is None:
            return
        with live.app.app_context():
            user = db.session.scalar(select(User).where(User.email == ROLE_USERS[role]))
            user.language = value
            db.session.commit()
            db.session.remove()

    set_language(language)
    try:
        yield
    finally:
        set_language("nl")


#: (language, colour scheme): both languages in the light scheme, with axe on the
#: phone in Dutch and on the screen in English (both layouts and both languages
#: at half the run time); the dark scheme in Dutch, with axe at both widths (the
#: colours of a layout do not depend on its language).
VARIANTS = [("nl", "light"), ("en", "light"), ("nl", "dark")]


@pytest.mark.parametrize(
    ("language", "scheme"),
    VARIANTS,
    ids=[f"{lang}-{scheme}" for lang, scheme in VARIANTS],
)
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_page_reflows_and_has_no_console_errors_csp_or_axe_violations(
    case, language, scheme, live, role_pages, api_tokens
):
    role, path = case
    url = resolve(live, role, path)
    if role is None:
        url += f"{'&' if '?' in url else '?'}lang={language}"
    page, watched = role_pages(role)
    # The browser's colour scheme (prefers-color-scheme), as a person sets it.
    page.emulate_media(color_scheme=scheme)
    with speaking(live, role, language):
        page.set_viewport_size(PHONE)
        try:
            response = page.goto(url)
            assert response.status == 200, f"{url} answered {response.status}"
            assert role is None or "/login" not in page.url, f"{role} was signed out"
            assert page.get_attribute("html", "lang") == language
            watched.assert_clean(url)
            # One page load for every check: the width and axe on the phone, then
            # on the screen.
            overflow = page_overflow(page)
            assert overflow is None, f"{url} at 320 px: {overflow}"
            if language == "nl":
                violations = run_axe(page)
                assert not violations, (
                    f"{url} as {role}, {scheme}, 320 px: {violations}"
                )

            page.set_viewport_size(VIEWPORT)
            overflow = page_overflow(page)
            assert overflow is None, f"{url} at 1280 px: {overflow}"
            if language == "en" or scheme == "dark":
                violations = run_axe(page)
                assert not violations, (
                    f"{url} as {role}, {scheme}, 1280 px: {violations}"
                )
            watched.assert_clean(f"{url} after axe")
        finally:
            page.set_viewport_size(VIEWPORT)
