"""Sessions and sign-in beyond tests/test_auth.py: the remember-me cookie, the
production configuration (Secure cookies, a real secret key) and the audit lines."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import Client

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "anna@example.org"


@pytest.fixture
def account(app):
    user = factories.user(role="municipality", email=EMAIL)
    db.session.commit()
    return user


def _login(client: Client, password: str = factories.PASSWORD, remember=True):
    client.fetch_csrf("/login")
    data = {"email": EMAIL, "password": password, "csrf_token": client.csrf_token}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def _cookie_header(response, name: str) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name)]
    assert found, f"no Set-Cookie for {name}"
    return found[-1]


def _remembered_browser(app, cookie_value: str) -> Client:
    """A browser that kept only the remember-me cookie (the session one expired)."""
    browser = app.test_client()
    browser.set_cookie("remember_token", cookie_value)
    return browser


def test_remember_me_cookie_has_the_session_cookie_flags(app, client, account):
    response = _login(client)
    assert response.status_code == 302
    cookie = _cookie_header(response, "remember_token=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie
    assert app.config["REMEMBER_COOKIE_DURATION"].days <= 31


def test_remember_me_signs_in_without_the_session_cookie(app, client, account):
    _login(client)
    remembered = client.get_cookie("remember_token").value
    assert _remembered_browser(app, remembered).get("/").status_code == 200


def test_logout_clears_the_remember_me_cookie_and_rejects_a_copy(app, client, account):
    _login(client)
    stolen = client.get_cookie("remember_token").value
    client.fetch_csrf("/")
    response = client.post("/logout", data={"csrf_token": client.csrf_token})
    assert response.status_code == 303
    cleared = _cookie_header(response, "remember_token=")
    assert "Expires=Thu, 01 Jan 1970" in cleared or "Max-Age=0" in cleared
    assert client.get_cookie("remember_token") is None
    assert client.get("/").status_code == 302
    assert _remembered_browser(app, stolen).get("/").status_code == 302


def test_password_change_rejects_old_remember_me_cookies(app, client, account):
    _login(client)
    stolen = client.get_cookie("remember_token").value
    new_password = "een veel beter wachtzinnetje"
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
    assert _remembered_browser(app, stolen).get("/").status_code == 302
    # This browser's own remember-me cookie is renewed: it stays signed in.
    renewed = client.get_cookie("remember_token").value
    assert renewed != stolen
    assert _remembered_browser(app, renewed).get("/").status_code == 200


def test_without_remember_me_there_is_no_remember_cookie(client, account):
    response = _login(client, remember=False)
    assert response.status_code == 302
    assert not any(
        h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie")
    )


def _run(script: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "SESSION_COOKIE_SECURE",
            "FLASK_DEBUG",
            "DATABASE_URL",
            "TEST_DATABASE_URL",
        }
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    script = (
        "from app import create_app\n"
        "from app.config import Config\n"
        "try:\n"
        "    create_app(Config)\n"
        "except RuntimeError as error:\n"
        "    print('refused:', error)\n"
        "else:\n"
        "    print('started')\n"
    )
    database = f"sqlite:///{tmp_path / 'prod.sqlite'}"
    refused = _run(script, DATABASE_URL=database)
    assert "refused: SECRET_KEY must be set" in refused.stdout, refused.stderr
    short = _run(script, DATABASE_URL=database, SECRET_KEY="too-short")
    assert "refused:" in short.stdout, short.stderr
    started = _run(script, DATABASE_URL=database, SECRET_KEY="x" * 64)
    assert "started" in started.stdout, started.stderr


def test_production_cookies_are_secure(app, account):
    """Sign in through the production configuration (no overrides): both cookies
    carry Secure, HttpOnly and SameSite=Lax."""
    script = f"""
import json, re
from app import create_app
from app.config import Config
app = create_app(Config)
client = app.test_client()
page = client.get("/login", base_url="https://midwest.example")
token = re.search(r'name="csrf_token" [^>]*value="([^"]+)"', page.text).group(1)
response = client.post(
    "/login",
    base_url="https://midwest.example",
    headers={{"Referer": "https://midwest.example/login"}},
    data={{"email": "{EMAIL}", "password": "{factories.PASSWORD}",
          "remember": "y", "csrf_token": token}},
)
print(json.dumps([response.status_code, response.headers.getlist("Set-Cookie"),
                  app.config["SESSION_COOKIE_SECURE"],
                  app.config["REMEMBER_COOKIE_SECURE"]]))
"""
    url = db.engine.url.render_as_string(hide_password=False)
    result = _run(script, DATABASE_URL=url, SECRET_KEY="s" * 64)
    assert result.returncode == 0, result.stderr
    status, cookies, session_secure, remember_secure = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    assert status == 302 and session_secure and remember_secure
    for name in ("session=", "remember_token="):
        (cookie,) = [c for c in cookies if c.startswith(name)]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_hashes_passwords_with_scrypt(app, client):
    """The suite hashes cheaply (TestConfig); the production default is werkzeug's
    scrypt, for a new password and for the dummy hash an unknown email is checked
    against, and a user signs in with such a hash."""
    from app.auth.service import _dummy_hash
    from app.config import Config

    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    user = factories.user(role="municipality", email=EMAIL)
    db.session.commit()
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert _dummy_hash().startswith("scrypt:32768:8:1$")
    response = _login(client, remember=False)
    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]


# --- audit lines ----------------------------------------------------------------


@pytest.fixture
def audit_log(caplog):
    caplog.set_level(logging.INFO, logger="midwest.audit")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "midwest.audit"]

    return lines


def test_audit_lines_for_every_event_and_no_secrets(app, client, account, audit_log):
    _login(client, password="not the password at all")
    _login(client)
    session_cookie = client.get_cookie("session").value
    new_password = "een veel beter wachtzinnetje"
    client.fetch_csrf("/profile")
    csrf = client.csrf_token
    client.post(
        "/profile/password",
        data={
            "csrf_token": csrf,
            "password-current_password": factories.PASSWORD,
            "password-new_password": new_password,
            "password-confirm": new_password,
        },
    )
    assert client.get("/admin/users").status_code == 403
    client.fetch_csrf("/")
    client.post("/logout", data={"csrf_token": client.csrf_token})
    lines = audit_log()
    expected = [
        f"failed login email={EMAIL} ip=127.0.0.1",
        f"login user={account.id}",
        f"password changed user={account.id}",
        f"forbidden user={account.id} GET /admin/users",
        f"logout user={account.id}",
    ]
    for line in expected:
        assert line in lines, (line, lines)
    text = "\n".join(lines)
    for secret in (
        factories.PASSWORD,
        "not the password at all",
        new_password,
        session_cookie,
        csrf,
        account.session_nonce,
        account.password_hash,
    ):
        assert secret not in text


def test_every_forbidden_answer_is_audited(demo_app, demo_login, audit_log):
    from tests.route_rows import collect

    routes, placeholders = collect()
    client = demo_login("viewer@midwest.example")
    forbidden = [r for r in routes if r.method == "GET" and r.expected["viewer"] == 403]
    assert forbidden
    for route in forbidden:
        url = re.sub(
            r"\{(\w+)\}", lambda m: str(placeholders[m.group(1)]()), route.path
        )
        assert client.get(url).status_code == 403
        path = url.split("?")[0]
        assert any(
            line.startswith("forbidden user=") and line.endswith(f"GET {path}")
            for line in audit_log()
        ), path


def test_audit_lines_cannot_be_forged_with_line_breaks(client, audit_log):
    client.fetch_csrf("/login")
    client.post(
        "/login",
        data={
            "email": "x@example.org\r\nlogin user=1",
            "password": "whatever it is",
            "csrf_token": client.csrf_token,
        },
    )
    lines = audit_log()
    assert any(line.startswith("failed login email=") for line in lines)
    assert all("\n" not in line and "\r" not in line for line in lines)


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/", "/api/v1/openapi.json", "/api/nothing"]
)
@pytest.mark.parametrize("with_token", [False, True])
def test_the_api_neither_reads_nor_renews_the_remember_me_cookie(
    app, client, account, path, with_token
):
    from flask_login import user_loaded_from_cookie

    from app.api import tokens

    _login(client)
    remembered = client.get_cookie("remember_token").value
    _row, raw = tokens.create_token(account, "script")
    db.session.commit()
    browser = _remembered_browser(app, remembered)
    read = []

    def loaded(sender, user):
        read.append(user.id)

    headers = {"Authorization": f"Bearer {raw}"} if with_token else {}
    with user_loaded_from_cookie.connected_to(loaded, app):
        response = browser.get(path, headers=headers)
    assert response.status_code < 500
    assert read == []  # the cookie was not read
    assert "Set-Cookie" not in response.headers  # nor renewed (nor a session set)
    if path == "/api/v1/me":
        assert response.status_code == (200 if with_token else 401)


class Clock:
    """app.clock.now_utc moved forward by the test (the app reads time there)."""

    def __init__(self, monkeypatch):
        from app import clock

        self.offset = timedelta()
        real = clock.now_utc
        monkeypatch.setattr(clock, "now_utc", lambda: real() + self.offset)

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


def test_copied_remember_cookie_expires_with_the_idle_timeout(
    app, client, account, monkeypatch
):
    clock = Clock(monkeypatch)
    _login(client)
    copied = client.get_cookie("remember_token").value
    assert _remembered_browser(app, copied).get("/").status_code == 200
    clock.advance(app.config["IDLE_TIMEOUT"] + timedelta(minutes=1))
    response = _remembered_browser(app, copied).get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_remember_cookie_lives_on_while_its_owner_is_active(
    app, client, account, monkeypatch
):
    clock = Clock(monkeypatch)
    idle = app.config["IDLE_TIMEOUT"]
    _login(client)
    copied = client.get_cookie("remember_token").value
    clock.advance(idle * 2 / 3)
    assert client.get("/").status_code == 200  # the owner is active
    clock.advance(idle * 2 / 3)
    assert _remembered_browser(app, copied).get("/").status_code == 200
    clock.advance(idle + timedelta(minutes=1))
    assert _remembered_browser(app, copied).get("/").status_code == 302
