"""An account created or reset by an admin chooses its own password first."""

import re

import pytest

from app.auth.service import find_user
from app.extensions import db
from tests import factories

NEW_PASSWORD = "my own long passphrase"


def _temporary_password(response) -> str:
    html = response.get_data(as_text=True)
    return re.search(r'id="temporary-password" value="([^"]+)"', html).group(1)


def _sign_in(app, email: str, password: str):
    fresh = app.test_client()
    fresh.fetch_csrf("/login")
    response = fresh.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": fresh.csrf_token},
    )
    assert response.status_code == 302
    return fresh


def _change(client, current: str, new: str):
    client.fetch_csrf("/profile/password")
    return client.form(
        "/profile/password",
        {
            "password-current_password": current,
            "password-new_password": new,
            "password-confirm": new,
        },
    )


@pytest.fixture
def coordinator(login_as):
    return login_as("coordinator")


def test_created_user_must_change_password_before_anything_else(app, coordinator):
    response = coordinator.form(
        "/admin/users/new",
        {
            "email": "nieuw@example.org",
            "full_name": "Nieuwe Collega",
            "role": "viewer",
            "municipality_id": 0,
            "language": "en",
            "active": "y",
        },
    )
    password = _temporary_password(response)
    assert find_user("nieuw@example.org").must_change_password is True
    client = _sign_in(app, "nieuw@example.org", password)
    for path in ("/", "/threads", "/profile", "/exports/forum-report.xlsx"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/profile/password"
    htmx = client.get("/tasks", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/profile/password"
    page = client.get("/profile/password")
    assert page.status_code == 200
    assert "Choose a password of your own" in page.get_data(as_text=True)
    # A refused new password keeps the flag and the form.
    refused = _change(client, password, "short")
    assert refused.status_code == 422
    assert 'name="password-new_password"' in refused.get_data(as_text=True)
    assert find_user("nieuw@example.org").must_change_password is True
    done = _change(client, password, NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["Location"] == "/"
    user = find_user("nieuw@example.org")
    assert user.must_change_password is False and user.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200
    assert client.get("/threads").status_code == 200


def test_reset_password_sets_the_flag_again(app, coordinator):
    other = factories.user(role="viewer", language="en")
    db.session.commit()
    assert other.must_change_password is False
    response = coordinator.form(f"/admin/users/{other.id}/reset")
    password = _temporary_password(response)
    db.session.refresh(other)
    assert other.must_change_password is True
    client = _sign_in(app, other.email, password)
    assert client.get("/").headers["Location"] == "/profile/password"
    # Signing out stays possible.
    client.fetch_csrf("/profile/password")
    assert client.form("/logout").status_code == 303


def test_ordinary_user_is_not_redirected(login_as):
    client = login_as("lead")
    assert client.user.must_change_password is False
    assert client.get("/").status_code == 200
    assert client.get("/profile/password").status_code == 200
