"""Conditional GET of signed-in pages (issue 15 item 4, app/http_cache.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import sign_in_session

PAGE = "/tasks?status=todo"


@pytest.fixture
def signed_in(login_as):
    factories.task(title="Something to show")
    db.session.commit()
    return login_as("coordinator")


def _reload(client, etag, url=PAGE, **headers):
    return client.get(url, headers={"If-None-Match": f'"{etag}"', **headers})


def test_reload_of_an_unchanged_page_is_a_304_without_body(signed_in):
    first = signed_in.get(PAGE)
    assert first.status_code == 200 and "Something to show" in first.text
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.get_etag()[0]
    assert etag
    again = _reload(signed_in, etag)
    assert again.status_code == 304
    assert again.data == b""
    assert again.get_etag()[0] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    # Another URL (another query) is another page.
    assert _reload(signed_in, etag, "/tasks?status=done").status_code == 200


def test_a_write_by_anyone_makes_it_a_200(signed_in):
    etag = signed_in.get(PAGE).get_etag()[0]
    factories.task(title="Added by someone else")
    db.session.commit()
    fresh = _reload(signed_in, etag)
    assert fresh.status_code == 200 and "Added by someone else" in fresh.text
    assert fresh.get_etag()[0] != etag


def test_a_language_switch_makes_it_a_200(signed_in):
    etag = signed_in.get(PAGE).get_etag()[0]
    saved = signed_in.form("/profile/language", {"profile-language": "en"})
    assert saved.status_code == 303
    signed_in.get("/profile")  # shows (and uses up) the "saved" message
    fresh = _reload(signed_in, etag)
    assert fresh.status_code == 200 and "Tasks" in fresh.text


def test_logout_and_login_make_it_a_200(signed_in):
    user = signed_in.user
    etag = signed_in.get(PAGE).get_etag()[0]
    out = signed_in.form("/logout", {})
    assert out.status_code in (302, 303)
    assert out.headers["Clear-Site-Data"] == '"cache"'
    db.session.refresh(user)
    sign_in_session(signed_in, user)
    assert _reload(signed_in, etag).status_code == 200


def test_another_users_etag_never_matches(signed_in, app):
    etag = signed_in.get(PAGE).get_etag()[0]
    other = factories.user("coordinator")
    db.session.commit()
    second = sign_in_session(app.test_client(), other)
    response = _reload(second, etag)
    assert response.status_code == 200 and "Something to show" in response.text


def test_htmx_fragments_are_never_conditional(signed_in):
    etag = signed_in.get(PAGE).get_etag()[0]
    fragment = _reload(
        signed_in, etag, **{"HX-Request": "true", "HX-Target": "task-list"}
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.get_etag() == (None, None)
    assert fragment.headers["Cache-Control"] == "no-store"


def test_waiting_flash_messages_are_rendered_not_304(signed_in):
    etag = signed_in.get(PAGE).get_etag()[0]
    with signed_in.session_transaction() as session:
        session["_flashes"] = [("info", "A message waiting")]
    shown = _reload(signed_in, etag)
    assert shown.status_code == 200 and "A message waiting" in shown.text
    # A page that showed a message gets no ETag: a reload must not repeat it.
    assert shown.get_etag() == (None, None)
    assert shown.headers["Cache-Control"] == "no-store"


def test_an_old_etag_expires(signed_in, app):
    etag = signed_in.get(PAGE).get_etag()[0]
    app.config["HTTP_CACHE_SECONDS"] = 0
    assert _reload(signed_in, etag).status_code == 200


def test_forged_or_foreign_etags_do_not_match(signed_in):
    etag = signed_in.get(PAGE).get_etag()[0]
    issued, mac = etag.split("-")
    later = f"{int(issued) + 1}-{mac}"
    assert _reload(signed_in, later).status_code == 200
    assert _reload(signed_in, "garbage").status_code == 200


def test_idle_timeout_wins_over_a_matching_etag(signed_in):
    etag = signed_in.get(PAGE).get_etag()[0]
    with signed_in.session_transaction() as session:
        session["seen"] = (datetime.now(UTC) - timedelta(days=1)).timestamp()
    response = _reload(signed_in, etag)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_successful_html_pages_get_an_etag(signed_in):
    missing = signed_in.get("/tasks/999999")
    assert missing.status_code == 404 and missing.get_etag() == (None, None)
    assert missing.headers["Cache-Control"] == "no-store"
    anonymous = signed_in.application.test_client().get("/login")
    assert anonymous.get_etag() == (None, None)


def test_the_304_is_decided_after_every_request_check(app):
    """Pinned hook order: the idle timeout, the forced password change and the
    input check run before a 304 may answer; the cache headers are set before
    the security headers fill in their defaults (after_request runs last-first)."""
    before = [f.__name__ for f in app.before_request_funcs[None]]
    assert before[-1] == "answer_not_modified"
    for check in (
        "enforce_idle_timeout",
        "require_own_password",
        "refuse_control_characters",
    ):
        assert before.index(check) < before.index("answer_not_modified"), check
    after = [f.__name__ for f in app.after_request_funcs[None]]
    assert after.index("tag_page") > after.index("set_headers")
