"""API tokens end with their owner's access (issue 24 item 19): revoked on an
admin's reset and on deactivation, optionally on one's own password change;
refused while a password change is pending; expiring; capped under concurrency."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.api import tokens
from app.api.models import ApiToken
from app.db import utcnow
from app.extensions import db
from tests import factories
from tests.conftest import sign_in_session

NEW_PASSWORD = "een heel eigen wachtzin voor mij"  # noqa: S105


def _token(user, days: int = tokens.DEFAULT_LIFETIME) -> str:
    _row, raw = tokens.create_token(user, "spreadsheet", days)
    db.session.commit()
    return raw


def _me(client, raw: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})


def _browser(app, user):
    """A browser of its own signed in as `user` (the `client` fixture sets the
    app's test client class)."""
    return sign_in_session(app.test_client(), user)


@pytest.fixture
def member(app, client):
    user = factories.user("municipality", email="lid@example.org", full_name="Lid")
    db.session.commit()
    return user


@pytest.fixture
def coordinator(app, client):
    user = factories.user("coordinator", email="coord@example.org")
    db.session.commit()
    return sign_in_session(app.test_client(), user)


def _edit(coordinator, user, active: bool):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "municipality_id": user.municipality_id,
        "language": "nl",
    }
    if active:
        data["active"] = "y"
    return coordinator.form(f"/admin/users/{user.id}", data)


def test_admin_reset_revokes_every_token(client, member, coordinator):
    first, second = _token(member), _token(member)
    assert _me(client, first).status_code == 200
    assert coordinator.form(f"/admin/users/{member.id}/reset").status_code == 200
    assert _me(client, first).status_code == 401
    assert _me(client, second).status_code == 401
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_deactivation_revokes_tokens_also_after_reactivation(
    client, member, coordinator
):
    raw = _token(member)
    assert _edit(coordinator, member, active=False).status_code == 303
    assert _edit(coordinator, member, active=True).status_code == 303
    db.session.refresh(member)
    assert member.active is True
    assert _me(client, raw).status_code == 401


def test_other_admin_edits_keep_the_tokens(client, member, coordinator):
    raw = _token(member)
    assert _edit(coordinator, member, active=True).status_code == 303
    assert _me(client, raw).status_code == 200


def _change_password(browser, revoke: bool | None):
    browser.fetch_csrf("/profile")
    data = {
        "password-current_password": factories.PASSWORD,
        "password-new_password": NEW_PASSWORD,
        "password-confirm": NEW_PASSWORD,
    }
    if revoke:
        data["password-revoke_tokens"] = "y"
    return browser.form("/profile/password", data)


def test_own_password_change_offers_revoking_checked_by_default(app, client, member):
    browser = _browser(app, member)
    page = browser.get("/profile").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="password-revoke_tokens"[^>]*>', page)
    assert box and "checked" in box.group(0)
    raw = _token(member)
    assert _change_password(browser, revoke=True).status_code == 303
    assert _me(client, raw).status_code == 401


def test_own_password_change_may_keep_the_tokens(app, client, member):
    browser = _browser(app, member)
    raw = _token(member)
    assert _change_password(browser, revoke=False).status_code == 303
    assert _me(client, raw).status_code == 200


def test_token_refused_while_a_password_change_is_pending(client, member):
    raw = _token(member)
    member.must_change_password = True
    db.session.commit()
    response = _me(client, raw)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == 401
    assert "nieuw wachtwoord" in error["message"]


def test_expired_token_is_refused_in_the_api_error_shape(client, member):
    raw = _token(member, days=30)
    row = db.session.scalar(select(ApiToken))
    assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    assert _me(client, raw).status_code == 200
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = _me(client, raw)
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401
    assert "vervallen" in response.get_json()["error"]["message"]


def test_expiry_is_chosen_at_creation_and_shown(app, member):
    browser = _browser(app, member)
    response = browser.form(
        "/profile/api-tokens", {"token-name": "Jaar", "token-lifetime": "365"}
    )
    assert response.status_code == 200
    row = db.session.scalar(select(ApiToken))
    assert timedelta(days=364) < row.expires_at - utcnow() <= timedelta(days=365)
    page = browser.get("/profile").get_data(as_text=True)
    assert "Vervalt" in page
    assert f"{row.expires_at.astimezone().year}" in page


@pytest.mark.parametrize("lifetime", ["366", "3650", "-1", "0", "x"])
def test_expiry_beyond_a_year_is_refused(app, member, lifetime):
    browser = _browser(app, member)
    response = browser.form(
        "/profile/api-tokens",
        {"token-name": "Lang", "token-lifetime": lifetime},
        htmx=True,
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_token_default_lifetime_is_90_days(app, member):
    browser = _browser(app, member)
    assert browser.form("/profile/api-tokens", {"token-name": "Std"}).status_code == 200
    row = db.session.scalar(select(ApiToken))
    assert timedelta(days=89) < row.expires_at - utcnow() <= timedelta(days=90)


def test_token_cap_holds_under_parallel_creation(app, member):
    for n in range(tokens.MAX_TOKENS_PER_USER - 1):
        tokens.create_token(member, f"t{n}")
    db.session.commit()
    browsers = [_browser(app, member) for _n in range(12)]
    for browser in browsers:
        browser.fetch_csrf("/profile")
    start = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def create(browser) -> None:
        with app.app_context():  # each thread its own context, as a worker has
            start.wait()
            response = browser.form("/profile/api-tokens", {"token-name": "parallel"})
            statuses.append(response.status_code)
            db.session.remove()

    threads = [threading.Thread(target=create, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    count = db.session.scalar(
        select(func.count(ApiToken.id)).where(ApiToken.user_id == member.id)
    )
    assert count == tokens.MAX_TOKENS_PER_USER
    assert sorted(statuses) == [200] + [422] * 11
