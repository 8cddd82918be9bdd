"""Sign-in, sign-out, sessions, CSRF, language and the profile."""

import re

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import Client


@pytest.fixture
def account(app):
    user = factories.user(role="municipality", email="anna@example.org")
    db.session.commit()
    return user


def _login(client: Client, email: str, password: str, **extra):
    client.fetch_csrf("/login")
    return client.post(
        "/login" + extra.pop("query", ""),
        data={
            "email": email,
            "password": password,
            "csrf_token": client.csrf_token,
            **extra,
        },
    )


def test_login_page_has_the_contract_fields(client):
    page = client.get("/login").get_data(as_text=True)
    for name in ('name="email"', 'name="password"', 'name="csrf_token"'):
        assert name in page


def test_login_with_right_password_reaches_the_dashboard(client, account):
    response = _login(client, "Anna@Example.org ", factories.PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, account):
    response = _login(client, "anna@example.org", "wrong password!!")
    assert response.status_code == 422
    assert "Onbekend e-mailadres of verkeerd wachtwoord" in response.get_data(
        as_text=True
    )
    assert client.get("/").status_code == 302


def test_inactive_user_cannot_sign_in(client, account):
    account.active = False
    db.session.commit()
    assert _login(client, "anna@example.org", factories.PASSWORD).status_code == 422


def test_login_without_csrf_token_is_refused(client, account):
    response = client.post(
        "/login", data={"email": "anna@example.org", "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert "Laad de pagina opnieuw" in response.get_data(as_text=True)


def test_session_rotates_at_login(client, account):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _login(client, "anna@example.org", factories.PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{account.id}:")


def test_logout_invalidates_the_old_cookie(app, client, account):
    _login(client, "anna@example.org", factories.PASSWORD)
    stolen = client.get_cookie("session").value
    client.fetch_csrf("/")
    response = client.post("/logout", data={"csrf_token": client.csrf_token})
    assert response.status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 302


def test_logout_needs_post(client, account):
    _login(client, "anna@example.org", factories.PASSWORD)
    assert client.get("/logout").status_code == 405


def test_password_change_signs_out_other_sessions(app, client, account):
    _login(client, "anna@example.org", factories.PASSWORD)
    second = app.test_client()  # a second browser: its own cookie jar
    _login(second, "anna@example.org", factories.PASSWORD)
    new_password = "a much better passphrase"
    client.fetch_csrf("/profile")
    response = client.post(
        "/profile/password",
        data={
            "csrf_token": client.csrf_token,
            "password-current_password": factories.PASSWORD,
            "password-new_password": new_password,
            "password-confirm": new_password,
        },
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert second.get("/").status_code == 302
    db.session.refresh(account)
    assert account.check_password(new_password)


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("wrong current pw", "a much better passphrase", "niet uw huidige wachtwoord"),
        (factories.PASSWORD, "short", "minstens 12 tekens"),
    ],
)
def test_password_change_validation(client, account, current, new, message):
    _login(client, "anna@example.org", factories.PASSWORD)
    client.fetch_csrf("/profile")
    response = client.post(
        "/profile/password",
        data={
            "csrf_token": client.csrf_token,
            "password-current_password": current,
            "password-new_password": new,
            "password-confirm": new,
        },
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(account)
    assert account.check_password(factories.PASSWORD)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/profile", "/profile"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_next_only_same_site(client, account, next_url, expected):
    from urllib.parse import quote

    response = _login(
        client, "anna@example.org", factories.PASSWORD, query=f"?next={quote(next_url)}"
    )
    assert response.headers["Location"] == expected


def test_anonymous_page_request_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_anonymous_htmx_request_gets_hx_redirect(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_htmx_post_needs_the_csrf_header(login_as):
    client = login_as("municipality")
    response = client.post(
        "/profile/language",
        data={"profile-language": "en"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    response = client.htmx("POST", "/profile/language", data={"profile-language": "en"})
    assert response.status_code == 303


def test_language_choice_switches_the_interface(login_as):
    client = login_as("municipality")
    assert "Overzicht" in client.get("/").get_data(as_text=True)
    client.form("/profile/language", {"profile-language": "en"})
    page = client.get("/").get_data(as_text=True)
    assert "Dashboard" in page
    assert 'lang="en"' in page


def test_unknown_language_is_refused(login_as):
    client = login_as("municipality")
    response = client.form("/profile/language", {"profile-language": "fr"})
    assert response.status_code == 422
    assert client.user.language == "nl"


def test_language_picked_on_the_login_page_survives_sign_in(client, account):
    assert "Sign in" in client.get("/login?lang=en").get_data(as_text=True)
    response = _login(client, "anna@example.org", factories.PASSWORD)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Dashboard" in page
    db.session.refresh(account)
    assert account.language == "en"


def test_without_a_pick_sign_in_keeps_the_profile_language(client, account):
    account.language = "en"
    db.session.commit()
    client.get("/login")
    _login(client, "anna@example.org", factories.PASSWORD)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    db.session.refresh(account)
    assert account.language == "en"


def test_anonymous_visitor_can_ask_for_english(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in page
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_idle_session_is_signed_out(app, login_as):
    client = login_as("viewer")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["seen"] -= app.config["IDLE_TIMEOUT"].total_seconds() + 5
    assert client.get("/").status_code == 302


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers["Vary"]


def test_pages_with_personal_data_are_private_and_revalidated(login_as):
    response = login_as("viewer").get("/")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.get_etag()[0]  # a reload asks first (app/http_cache.py)
    fragment = login_as("viewer").htmx("GET", "/choices/group?group_search=x")
    assert fragment.headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, account):
    response = _login(client, "anna@example.org", factories.PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("wachtwoord123", "too common"),
        ("Roeselare2026", "too common"),
        ("aaaaaaaaaaaaaaa", "too common"),
        ("abcdefghijklmnop", "too common"),
        ("anna@example.orgX", "name or email"),
        ("x" * 201, "at most 200"),
    ],
)
def test_weak_new_passwords_are_refused(login_as, password, message):
    client = login_as("municipality", email="anna@example.org")
    client.user.language = "en"
    db.session.commit()
    response = client.form(
        "/profile/password",
        {
            "password-current_password": factories.PASSWORD,
            "password-new_password": password,
            "password-confirm": password,
        },
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_login_is_throttled_per_account(app, client, account):
    app.config["LOGIN_MAX_FAILURES"] = 3
    for _attempt in range(3):
        assert _login(client, "anna@example.org", "wrong password!!").status_code == 422
    response = _login(client, "anna@example.org", factories.PASSWORD)
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_is_throttled_per_address(app, client, account):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    for attempt in range(3):
        _login(client, f"nobody{attempt}@example.org", "wrong password!!")
    assert _login(client, "anna@example.org", factories.PASSWORD).status_code == 429


def test_successful_login_resets_the_account_counter(app, client, account):
    app.config["LOGIN_MAX_FAILURES"] = 3
    for _attempt in range(2):
        _login(client, "anna@example.org", "wrong password!!")
    assert _login(client, "anna@example.org", factories.PASSWORD).status_code == 302
    client.fetch_csrf("/")
    client.post("/logout", data={"csrf_token": client.csrf_token})
    for _attempt in range(2):
        _login(client, "anna@example.org", "wrong password!!")
    assert _login(client, "anna@example.org", factories.PASSWORD).status_code == 302


def test_audit_lines_without_secrets(client, account, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="midwest.audit")
    _login(client, "anna@example.org", "wrong password!!")
    _login(client, "anna@example.org", factories.PASSWORD)
    text = caplog.text
    assert "failed login email=anna@example.org" in text
    assert "login user=" in text
    assert "wrong password" not in text and factories.PASSWORD not in text


# --- issue 24 item 10: the idle warning's "Stay signed in" ----------------------


def _idle_for(app, client, seconds: float) -> None:
    with client.session_transaction() as session:
        session["seen"] -= seconds


def test_stay_signed_in_renews_the_idle_timer(app, login_as):
    client = login_as("viewer")
    page = client.get("/").get_data(as_text=True)
    limit = app.config["IDLE_TIMEOUT"].total_seconds()
    assert f'data-idle-seconds="{int(limit)}"' in page and 'id="idle-warning"' in page
    _idle_for(app, client, limit - 30)  # the warning is showing
    assert client.form("/session/keepalive", htmx=True).status_code == 204
    _idle_for(app, client, 60)  # renewed: a minute later still signed in
    assert client.get("/").status_code == 200


def test_stay_signed_in_after_the_timeout_is_refused(app, login_as):
    client = login_as("viewer")
    client.fetch_csrf("/")
    _idle_for(app, client, app.config["IDLE_TIMEOUT"].total_seconds() + 5)
    response = client.form("/session/keepalive", htmx=True)
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_an_idle_htmx_request_returns_to_its_page_after_sign_in(app, login_as):
    client = login_as("lead")
    client.fetch_csrf("/")
    _idle_for(app, client, app.config["IDLE_TIMEOUT"].total_seconds() + 5)
    response = client.form(
        "/tasks/1",
        htmx=True,
        headers={"HX-Current-URL": "http://localhost/groups/1?page=2"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/groups/1?page%3D2"


def test_an_idle_htmx_request_from_elsewhere_returns_to_its_own_path(app, login_as):
    client = login_as("lead")
    client.fetch_csrf("/")
    _idle_for(app, client, app.config["IDLE_TIMEOUT"].total_seconds() + 5)
    response = client.form(
        "/tasks/1", htmx=True, headers={"HX-Current-URL": "https://evil.example/x"}
    )
    assert response.headers["HX-Redirect"] == "/login?next=/tasks/1"


def test_the_sign_in_page_after_an_idle_timeout_is_the_form(app, login_as):
    client = login_as("viewer")
    client.fetch_csrf("/")
    _idle_for(app, client, app.config["IDLE_TIMEOUT"].total_seconds() + 5)
    response = client.get("/login?next=/applications/new")
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)


def test_sign_in_and_password_fields_say_what_they_hold(login_as, client):
    """Issue 24 item 11: autocomplete on sign-in and password fields (1.3.5)."""
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*name="email"', page)
    assert re.search(
        r'<input[^>]*autocomplete="current-password"[^>]*name="password"', page
    )
    profile = login_as("viewer").get("/profile").get_data(as_text=True)
    assert profile.count('autocomplete="new-password"') == 2
    assert 'autocomplete="current-password"' in profile
