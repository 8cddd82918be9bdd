"""Security headers on every page of the route table, for every signed-in role."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.public.cookieless import is_cookieless_path
from tests.route_rows import ROLE_USERS, collect

ROUTES, PLACEHOLDERS = collect()
GET_ROWS = [r for r in ROUTES if r.method == "GET"]


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(PLACEHOLDERS[m.group(1)]()), path)


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, where
    assert re.search(r"script-src 'self'(;|$)", csp), where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), where
    assert headers.get("X-Frame-Options") == "DENY", where


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_every_page_sends_the_security_headers(demo_app, demo_login, role):
    """Every GET row: CSP, nosniff, Referrer-Policy, no framing; a signed-in
    answer is never stored by a shared cache (a full page may be kept by the
    browser, revalidated by its ETag); pages that also answer htmx say Vary."""
    client = demo_login(ROLE_USERS[role])
    checked = 0
    for route in GET_ROWS:
        url = _url(route.path)
        response = client.htmx("GET", url) if route.htmx else client.get(url)
        where = f"{route.label} as {role}: {response.status_code}"
        assert response.status_code == route.expected[role], where
        assert_security_headers(response, where)
        if is_cookieless_path(url.split("?")[0]) and response.status_code == 200:
            # Public pages and open data ignore the session: the same for everyone.
            cache = "public" if url.startswith("/public") else "no-store"
            assert response.headers["Cache-Control"].startswith(cache), where
        elif response.get_etag()[0] is not None:
            # A signed-in page (app/http_cache.py): only this browser may keep
            # it, and must ask first (a 304 for this user, language and data).
            assert response.status_code == 200 and not route.htmx, where
            assert response.mimetype == "text/html", where
            assert response.headers["Cache-Control"] == "private, no-cache", where
        else:
            assert response.headers.get("Cache-Control") == "no-store", where
        assert "HX-Request" in response.vary, where
        checked += 1
    assert checked == len(GET_ROWS)


def test_anonymous_answers_send_the_security_headers(demo_app, demo_client):
    for route in GET_ROWS:
        url = _url(route.path)
        response = demo_client.htmx("GET", url) if route.htmx else demo_client.get(url)
        assert_security_headers(response, route.label)


def test_the_calendar_feed_is_personal_and_not_cached(demo_app, demo_client):
    token = PLACEHOLDERS["izegem_token"]()
    response = demo_client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert_security_headers(response, "calendar")


@pytest.mark.parametrize(
    "path",
    [
        "/tasks",
        "/tasks/{own_task}",
        "/applications",
        "/themes/{own_theme}/rollout/{izegem}",
    ],
)
def test_pages_that_answer_fragments_vary_on_hx_request(demo_app, demo_login, path):
    client = demo_login(ROLE_USERS["coordinator"])
    url = _url(path)
    page = client.get(url)
    fragment = client.htmx("GET", url, headers={"HX-Target": "task-list"})
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    for response in (page, fragment):
        assert "HX-Request" in response.vary


def test_exports_are_downloads_that_are_not_cached(demo_app, demo_login):
    client = demo_login(ROLE_USERS["coordinator"])
    for route in GET_ROWS:
        if ".xlsx" not in route.path or route.expected["coordinator"] != 200:
            continue
        response = client.get(_url(route.path))
        assert response.headers["Cache-Control"] == "no-store", route.label
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- secrets and confidential dossiers are not kept on disk (issue 24 item 29) ---


def test_profile_with_the_calendar_address_is_never_stored(login_as):
    client = login_as("municipality")
    response = client.get("/profile")
    assert response.status_code == 200
    assert client.user.calendar_token in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_etag() == (None, None)


def test_dossier_pages_are_never_stored(login_as):
    from tests import factories

    client = login_as("coordinator")
    dossier = factories.application(factories.call(), title="Vertrouwelijk dossier")
    db.session.commit()
    for url in (
        "/applications",
        f"/applications/{dossier.id}",
        f"/applications/{dossier.id}/edit",
        f"/applications/{dossier.id}/notes",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert response.get_etag() == (None, None), url


def test_other_signed_in_pages_stay_revalidated(login_as):
    response = login_as("municipality").get("/")
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_idle_sign_out_clears_the_browser_cache(app, login_as):
    client = login_as("municipality")
    assert "Clear-Site-Data" not in client.get("/").headers
    with client.session_transaction() as session:
        session["seen"] -= app.config["IDLE_TIMEOUT"].total_seconds() + 5
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert "Clear-Site-Data" not in client.get("/login").headers
