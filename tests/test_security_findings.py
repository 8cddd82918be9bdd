"""Regression tests for the second audit (issue 12): reflected markup, open
redirects, remember-me against the idle timeout, HSTS, the calendar token."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.strategy.models import Score
from tests import factories

MARKUP = "<b>bold</b>"
ESCAPED = "&lt;b&gt;bold&lt;/b&gt;"


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(app, tmp_path):
    izegem = factories.municipality("Izegem")
    thread = factories.thread(code="RD01")
    scoring_round = factories.scoring_round(threads=[thread], status="open")
    db.session.commit()
    return {"izegem": izegem, "thread": thread, "round": scoring_round}


# --- finding 3: user input never comes back as markup ------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_markup_in_a_score_comes_back_escaped(login_as, world, htmx):
    client = login_as("municipality", municipality=world["izegem"], language="en")
    ids = (world["round"].id, world["thread"].id, world["izegem"].id)
    url = "/rounds/{}/scores/{}/{}".format(*ids)
    response = client.form(url, {"value": MARKUP}, htmx=htmx)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert MARKUP not in html
    assert f"{ESCAPED} is not a score from 0 to 10." in html
    assert db.session.scalar(select(Score.id)) is None


@pytest.mark.parametrize(
    "rows",
    [
        [("Code", "Thread", MARKUP), ("RD01", "", 5)],  # unknown municipality
        [("Code", "Thread", "Izegem"), (MARKUP, "", 5)],  # unknown thread code
        [("Code", "Thread", "Izegem"), ("RD01", "", MARKUP)],  # not a score
    ],
    ids=["municipality", "thread code", "score"],
)
def test_markup_in_an_imported_workbook_comes_back_escaped(login_as, world, rows):
    client = login_as("coordinator", language="en")
    response = client.form(
        "/imports/scores",
        {
            "round_id": str(world["round"].id),
            "file": (io.BytesIO(xlsx(rows)), "scores.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert MARKUP not in html
    assert ESCAPED in html
    assert db.session.scalar(select(Score.id)) is None


def test_a_status_move_error_is_a_plain_string_escaped_by_jinja(app):
    """The refused status is echoed (as its label, or as itself when unknown)."""
    from app.subsidies.dossiers import check_move

    application = factories.application(status="rejected")
    db.session.commit()
    with app.test_request_context():
        errors = check_move(application, MARKUP, {}, confirm=False)
    message = errors["status"]
    assert not hasattr(message, "__html__")  # a lazy string would skip escaping
    assert MARKUP in message


# --- finding 4: next= only to same-site paths --------------------------------------

#: Raw query strings (already percent-encoded where a browser would send them so).
BYPASSES = [
    "/%09/evil.example/x",  # tab: browsers drop it, leaving //evil.example/x
    "/%0a/evil.example/x",  # newline
    "/%0d%0a/evil.example/x",
    "%09//evil.example/x",
    "%20//evil.example/x",  # leading space
    "/%5Cevil.example",  # /\
    "%5C%5Cevil.example",  # \\
    "%5C/evil.example",
    "//evil.example/x",
    "///evil.example/x",
    "/%2f%2fevil.example",
    "%2f%2fevil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt%3Aalert(1)",
    "//user:pass@evil.example/",
    "https://midwest.example@evil.example/",
    "/%00/evil.example",
    "evil.example",
]


@pytest.fixture
def anna(app):
    user = factories.user(role="coordinator", email="anna@example.org")
    db.session.commit()
    return user


def _sign_in(client, query: str):
    client.fetch_csrf("/login")
    return client.post(
        "/login?" + query,
        data={
            "email": "anna@example.org",
            "password": factories.PASSWORD,
            "csrf_token": client.csrf_token,
        },
    )


@pytest.mark.parametrize("target", BYPASSES)
def test_login_never_redirects_off_site(client, anna, target):
    response = _sign_in(client, "next=" + target)
    if "%00" in target:  # refused before the view as a control character
        assert response.status_code == 422 and "Location" not in response.headers
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


def test_login_keeps_a_same_site_next_with_its_query(client, anna):
    response = _sign_in(client, "next=%2Ftasks%3Fstatus%3Dopen%26q%3Da%2520b")
    assert response.headers["Location"] == "/tasks?status=open&q=a%20b"


@pytest.mark.parametrize("target", BYPASSES)
def test_a_forms_next_never_redirects_off_site(login_as, target):
    from urllib.parse import unquote

    from app.work.models import Task

    client = login_as("coordinator")
    group = factories.group()
    task = factories.task(group)
    db.session.commit()
    task_id, group_id = task.id, group.id
    response = client.form(f"/tasks/{task_id}/delete", {"next": unquote(target)})
    if "%00" in target:  # refused before the view as a control character
        assert response.status_code == 422 and "Location" not in response.headers
        return
    assert response.status_code == 303
    assert response.headers["Location"] == f"/groups/{group_id}"
    assert db.session.get(Task, task_id) is None


@pytest.mark.parametrize(
    "target", ["/", "/tasks?x=1", "/groups/3#row-4", "/search?q=a%20b"]
)
def test_same_site_paths_are_safe(target):
    from app.web import is_safe_next

    assert is_safe_next(target)


# --- finding 9: HSTS over HTTPS only -----------------------------------------------


def test_hsts_is_sent_over_https_only(app, client):
    secure = client.get("/login", base_url="https://midwest.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = client.get("/login")
    assert "Strict-Transport-Security" not in plain.headers


def test_hsts_max_age_is_configurable_and_zero_turns_it_off(app, client):
    app.config["HSTS_MAX_AGE"] = 300
    secure = client.get("/login", base_url="https://midwest.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=300"
    app.config["HSTS_MAX_AGE"] = 0
    secure = client.get("/login", base_url="https://midwest.example")
    assert "Strict-Transport-Security" not in secure.headers


def test_hsts_follows_the_scheme_of_the_trusted_proxy(app):
    from app import create_app
    from tests.conftest import Client

    config = {key: value for key, value in app.config.items() if key.isupper()}
    proxied = create_app(type("BehindProxy", (), config | {"PROXY_FIX_X_FOR": 1}))
    proxied.test_client_class = Client
    browser = proxied.test_client()
    forwarded = browser.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in forwarded.headers["Strict-Transport-Security"]
    direct = browser.get("/login")
    assert "Strict-Transport-Security" not in direct.headers
    # Without a trusted proxy the header is ignored: still plain HTTP.
    spoofed = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers


# --- finding 5: the idle timeout ends remembered sessions too ----------------------


def _remembered_sign_in(client):
    client.fetch_csrf("/login")
    return client.post(
        "/login",
        data={
            "email": "anna@example.org",
            "password": factories.PASSWORD,
            "remember": "y",
            "csrf_token": client.csrf_token,
        },
    )


def _idle(app, client, seconds: float) -> None:
    """Move the clock: the session was last seen `seconds` ago."""
    with client.session_transaction() as session:
        session["seen"] = time.time() - seconds
        session.pop("remember_renewed", None)


def test_idle_timeout_also_ends_a_remembered_session(app, client, anna):
    assert _remembered_sign_in(client).status_code == 302
    assert client.get_cookie("remember_token") is not None
    assert client.get("/").status_code == 200
    _idle(app, client, app.config["IDLE_TIMEOUT"].total_seconds() + 5)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    cleared = [
        h
        for h in response.headers.getlist("Set-Cookie")
        if h.startswith("remember_token=")
    ]
    assert cleared and ("Max-Age=0" in cleared[-1] or "1970" in cleared[-1])
    assert client.get_cookie("remember_token") is None
    # Not signed straight back in.
    assert client.get("/").status_code == 302
    assert client.get("/profile").status_code == 302


def test_a_remembered_session_within_the_idle_limit_continues(app, client, anna):
    _remembered_sign_in(client)
    _idle(app, client, app.config["IDLE_TIMEOUT"].total_seconds() - 60)
    assert client.get("/").status_code == 200


def test_the_remember_cookie_lives_as_long_as_the_idle_timeout_and_renews(
    app, client, anna
):
    from email.utils import parsedate_to_datetime

    from app.clock import now_utc

    def expiry(response):
        header = next(
            h
            for h in response.headers.getlist("Set-Cookie")
            if h.startswith("remember_token=")
        )
        value = re.search(r"Expires=([^;]+)", header).group(1)
        return parsedate_to_datetime(value) - now_utc()

    limit = app.config["IDLE_TIMEOUT"]
    response = _remembered_sign_in(client)
    assert limit - timedelta(minutes=1) < expiry(response) <= limit
    # Activity a few minutes later pushes the expiry forward.
    _idle(app, client, 300)
    renewed = client.get("/")
    assert renewed.status_code == 200
    assert limit - timedelta(minutes=1) < expiry(renewed) <= limit


def test_without_remember_me_activity_sets_no_remember_cookie(app, client, anna):
    client.fetch_csrf("/login")
    client.post(
        "/login",
        data={
            "email": "anna@example.org",
            "password": factories.PASSWORD,
            "csrf_token": client.csrf_token,
        },
    )
    _idle(app, client, 300)
    response = client.get("/")
    assert response.status_code == 200
    assert client.get_cookie("remember_token") is None


# --- finding 13: the calendar token ------------------------------------------------


def _user_fields(user) -> dict:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "municipality_id": user.municipality_id or 0,
        "language": user.language,
    }


def test_an_admin_password_reset_replaces_the_calendar_token(app, login_as):
    member = factories.user("municipality")
    db.session.commit()
    old_token, member_id = member.calendar_token, member.id
    feed = app.test_client()
    assert feed.get(f"/calendar/{old_token}.ics").status_code == 200
    coordinator = login_as("coordinator")
    assert coordinator.form(f"/admin/users/{member_id}/reset").status_code == 200
    new_token = db.session.get(type(member), member_id).calendar_token
    assert new_token != old_token
    assert feed.get(f"/calendar/{old_token}.ics").status_code == 404
    assert feed.get(f"/calendar/{new_token}.ics").status_code == 200


def test_deactivating_a_user_replaces_the_calendar_token(app, login_as):
    member = factories.user("municipality")
    db.session.commit()
    old_token, member_id = member.calendar_token, member.id
    fields = _user_fields(member)
    coordinator = login_as("coordinator")
    # An edit that keeps the user active keeps the address.
    kept = coordinator.form(f"/admin/users/{member_id}", fields | {"active": "y"})
    assert kept.status_code == 303
    assert db.session.get(type(member), member_id).calendar_token == old_token
    assert coordinator.form(f"/admin/users/{member_id}", fields).status_code == 303
    account = db.session.get(type(member), member_id)
    assert account.active is False and account.calendar_token != old_token
    # Reactivated, the old address still does not work.
    edit_url = f"/admin/users/{member_id}"
    assert coordinator.form(edit_url, fields | {"active": "y"}).status_code == 303
    assert app.test_client().get(f"/calendar/{old_token}.ics").status_code == 404


def test_the_token_is_kept_out_of_the_audit_log(app, client, caplog):
    import logging

    from app.redact import redact_secrets

    assert redact_secrets("GET /calendar/Ab-9_x.ics?x=1 HTTP/1.1") == (
        "GET /calendar/[token]?x=1 HTTP/1.1"
    )
    assert redact_secrets("/tasks/3") == "/tasks/3"
    with caplog.at_level(logging.INFO, logger="midwest.audit"):
        client.get("/calendar/secret-token-value.ics")
    assert "secret-token-value" not in caplog.text


def test_gunicorn_access_log_leaves_the_calendar_token_out(tmp_path):
    import http.client
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import _build

    root = Path(__file__).resolve().parent.parent
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    _build(url, seed=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    access_log = tmp_path / "access.log"
    env = os.environ | {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": str(access_log),
        "DATABASE_URL": url,
        "SECRET_KEY": "access-log-test-secret-" + "x" * 32,
        "SESSION_COOKIE_SECURE": "0",
        "FLASK_DEBUG": "0",
    }
    env.pop("TEST_DATABASE_URL", None)
    with open(tmp_path / "gunicorn.out", "wb") as output:
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn and config
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=root,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        for _attempt in range(200):
            assert server.poll() is None, (tmp_path / "gunicorn.out").read_text()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/calendar/very-secret-token.ics?v=1")
                status = connection.getresponse().status
                break
            except OSError:
                time.sleep(0.3)
            finally:
                connection.close()
        assert status == 404
        # The digest's unsubscribe link (issue 24 item 28) is a key as well.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", "/reminders/unsubscribe/very-secret-unsub")
        assert connection.getresponse().status == 404
        connection.close()
        for _attempt in range(50):
            if access_log.exists() and "/unsubscribe/" in access_log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = access_log.read_text()
    assert "GET /calendar/[token]?v=1" in logged
    assert "very-secret-token" not in logged
    assert "POST /reminders/unsubscribe/[token]" in logged
    assert "very-secret-unsub" not in logged


# --- finding 10: adding the same partner twice at once ----------------------------


def _partners(application_id: int) -> list:
    from app.subsidies.models import ApplicationPartner

    return db.session.execute(
        select(ApplicationPartner.municipality_id, ApplicationPartner.share_pct).where(
            ApplicationPartner.application_id == application_id
        )
    ).all()


def test_a_partner_added_meanwhile_makes_the_second_add_a_change_of_share(app):
    """The race at the database level: another worker inserts the partner between
    this request's check (partners already read) and its insert."""
    from decimal import Decimal

    from sqlalchemy.orm import Session

    from app.subsidies import dossiers
    from app.subsidies.models import Application, ApplicationPartner

    lead, partner = factories.municipality("Lead"), factories.municipality("Partner")
    coordinator = factories.user("coordinator")
    application = factories.application(lead=lead)
    db.session.commit()
    application_id, partner_id = application.id, partner.id
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        assert application.partners == []  # the check sees no partner yet
        with Session(db.engine) as other_worker:
            other_worker.add(
                ApplicationPartner(
                    application_id=application_id,
                    municipality_id=partner_id,
                    share_pct=Decimal("10"),
                )
            )
            other_worker.commit()
        errors = dossiers.set_partner_committed(
            application, db.session.get(type(partner), partner_id), Decimal("25"),
            coordinator,
        )  # fmt: skip
    assert errors == {}
    assert _partners(application_id) == [(partner_id, Decimal("25.00"))]


def test_concurrent_partner_adds_over_http_never_answer_500(app, tmp_path):
    import threading

    from tests.conftest import Client, sign_in_session

    lead, partner = factories.municipality("Lead"), factories.municipality("Partner")
    coordinator = factories.user("coordinator")
    application = factories.application(lead=lead)
    db.session.commit()
    url = f"/applications/{application.id}/partners"
    data = {"partner-municipality_id": partner.id, "partner-share_pct": "20"}
    app.test_client_class = Client
    browsers = [sign_in_session(app.test_client(), coordinator) for _ in range(6)]
    for browser in browsers:
        browser.fetch_csrf("/")
    start = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def add(browser):
        with app.app_context():
            start.wait()
            statuses.append(browser.form(url, data, htmx=True).status_code)

    threads = [threading.Thread(target=add, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == len(browsers)
    assert set(statuses) <= {200, 409, 422}, statuses
    assert 200 in statuses
    assert len(_partners(application.id)) == 1


# --- finding 8: weak passwords -------------------------------------------------------


def _change_password(client, current: str, new: str):
    client.fetch_csrf("/profile")
    return client.post(
        "/profile/password",
        data={
            "csrf_token": client.csrf_token,
            "password-current_password": current,
            "password-new_password": new,
            "password-confirm": new,
        },
    )


@pytest.mark.parametrize(
    "weak",
    [
        "Password1234!",
        "Welkom2026!!",
        "Roeselare2026!",
        "Midwest2026!!",
        "Wachtwoord123!",
        "Qwerty123456!",
        "Izegem!!2026##",
        "Anna.Peeters2026",
    ],
)
def test_weak_passwords_are_refused(client, weak):
    factories.municipality("Roeselare")
    factories.municipality("Izegem")
    user = factories.user(
        "municipality", email="anna.peeters@example.org", full_name="Anna Peeters",
        language="en",
    )  # fmt: skip
    db.session.commit()
    client.fetch_csrf("/login")
    client.post(
        "/login",
        data={
            "email": user.email,
            "password": factories.PASSWORD,
            "csrf_token": client.csrf_token,
        },
    )
    response = _change_password(client, factories.PASSWORD, weak)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        "This password is too common or too easy to guess." in html
        or "Do not base your password on your name or email address." in html
    )
    db.session.refresh(user)
    assert user.check_password(factories.PASSWORD)


@pytest.mark.parametrize(
    "weak",
    [
        "Summer2026!!!",
        "Januari2026!!",
        "Zomer2026!Zomer",
        "Brugge2026!!",
        "Tielt-Roeselare-1",
        "Lichtervelde&Pittem2026",  # municipality names from the database
        "ZondagMaandag!2026",
    ],
)
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "built on one or two common words, months, seasons or place names"),
        ("nl", "gebouwd op een of twee gewone woorden, maanden, seizoenen of"),
    ],
)
def test_breach_list_shapes_are_refused(client, anna, weak, language, message):
    """Issue 24 item 26: a common word, month, season or place with digits and
    symbols around it, or repeated, or two of them."""
    for name in ("Tielt", "Roeselare", "Lichtervelde", "Pittem"):
        factories.municipality(name)
    anna.language = language
    db.session.commit()
    _sign_in(client, "")
    response = _change_password(client, factories.PASSWORD, weak)
    assert response.status_code == 422
    assert message in " ".join(response.get_data(as_text=True).split())
    db.session.refresh(anna)
    assert anna.check_password(factories.PASSWORD)


def test_the_unchanged_current_password_is_refused(client, anna):
    anna.language = "en"
    db.session.commit()
    _sign_in(client, "")
    response = _change_password(client, factories.PASSWORD, factories.PASSWORD)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a new password that differs from the current one." in html


@pytest.mark.parametrize(
    "strong", ["een veel beter wachtzinnetje", "Brugse zotten 1477 dansen"]
)
def test_strong_passphrases_are_accepted(client, anna, strong):
    _sign_in(client, "")
    assert _change_password(client, factories.PASSWORD, strong).status_code == 303
    db.session.refresh(anna)
    assert anna.check_password(strong)


def test_weak_password_message_is_dutch_by_default(client, anna):
    _sign_in(client, "")
    response = _change_password(client, factories.PASSWORD, "Welkom2026!!")
    assert response.status_code == 422
    assert "te makkelijk te raden" in response.get_data(as_text=True)


# --- finding 7: progressive delays instead of a lock-out, counted atomically --------


def _attempt(browser, password: str, ip: str = "127.0.0.1", email="anna@example.org"):
    browser.fetch_csrf("/login?lang=en")
    return browser.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": browser.csrf_token},
        environ_base={"REMOTE_ADDR": ip},
    )


def _wait_in(response) -> int:
    """The seconds of 'Try again in N seconds' in an answer."""
    found = re.search(r"Try again in (\d+) seconds?\.", response.get_data(as_text=True))
    assert found, "no 'Try again in …' message"
    return int(found[1])


def _move_clock(seconds: float) -> None:
    """Every recorded attempt happened `seconds` earlier."""
    from sqlalchemy import update

    from app.auth.models import LoginFailure

    rows = db.session.scalars(select(LoginFailure)).all()
    for row in rows:
        db.session.execute(
            update(LoginFailure)
            .where(LoginFailure.id == row.id)
            .values(at=row.at - timedelta(seconds=seconds))
        )
    db.session.commit()


def test_parallel_attempts_check_no_more_passwords_than_allowed(app, anna):
    import threading

    from app.auth.models import LoginFailure
    from tests.conftest import Client

    app.config.update(LOGIN_MAX_FAILURES=5, LOGIN_DELAY_SECONDS=600)
    app.config.update(LOGIN_MAX_DELAY_SECONDS=600)
    app.test_client_class = Client
    browsers = [app.test_client() for _ in range(40)]
    start = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def guess(browser, n):
        with app.app_context():
            browser.fetch_csrf("/login")
            start.wait()
            response = browser.post(
                "/login",
                data={
                    "email": "anna@example.org",
                    "password": f"wrong guess {n}",
                    "csrf_token": browser.csrf_token,
                },
                environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
            )
            statuses.append(response.status_code)

    threads = [
        threading.Thread(target=guess, args=(b, n)) for n, b in enumerate(browsers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 40
    checked = statuses.count(422)  # a wrong password was checked
    assert checked == 5, statuses
    assert statuses.count(429) == 35
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 5


def test_strangers_delay_the_owner_but_never_lock_the_account(app, client, anna):
    app.config.update(LOGIN_MAX_FAILURES=5, LOGIN_DELAY_SECONDS=20)
    app.config.update(LOGIN_MAX_DELAY_SECONDS=60, LOGIN_MAX_FAILURES_PER_IP=1000)
    stranger = app.test_client()
    for n in range(5):  # free of delay
        assert _attempt(stranger, "wrong", ip=f"10.0.0.{n}").status_code == 422
    # The sixth check waits 20 seconds after the fifth failure; the owner too.
    refused = _attempt(client, factories.PASSWORD, ip="192.0.2.7")
    assert refused.status_code == 429
    assert 10 < _wait_in(refused) <= 20
    _move_clock(20)
    assert _attempt(stranger, "wrong", ip="10.0.0.9").status_code == 422
    refused = _attempt(client, factories.PASSWORD, ip="192.0.2.7")
    assert 30 < _wait_in(refused) <= 40  # the delay doubled
    # However many failures strangers pile up, the wait never passes the ceiling.
    for n in range(30):
        _move_clock(60)
        _attempt(stranger, "wrong", ip=f"10.0.1.{n}")
    refused = _attempt(client, factories.PASSWORD, ip="192.0.2.7")
    assert refused.status_code == 429
    assert _wait_in(refused) <= 60
    _move_clock(60)
    signed_in = _attempt(client, factories.PASSWORD, ip="192.0.2.7")
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200


def test_the_current_password_check_on_the_profile_is_throttled(app, client, anna):
    app.config.update(LOGIN_MAX_FAILURES=5, LOGIN_DELAY_SECONDS=30)
    anna.language = "en"
    db.session.commit()
    assert _attempt(client, factories.PASSWORD).status_code == 302
    for n in range(5):
        new = "een nieuw wachtzinnetje"
        response = _change_password(client, f"guess number {n}", new)
        assert response.status_code == 422
        assert "This is not your current password." in response.get_data(as_text=True)
    # The sixth guess, even the right one, waits; no password is checked.
    for guess in ("guess number 6", factories.PASSWORD):
        response = _change_password(client, guess, "een nieuw wachtzinnetje")
        assert response.status_code == 429
        assert 1 <= _wait_in(response) <= 30
    db.session.refresh(anna)
    assert anna.check_password(factories.PASSWORD)
    _move_clock(30)
    response = _change_password(client, factories.PASSWORD, "een nieuw wachtzinnetje")
    assert response.status_code == 303
    db.session.refresh(anna)
    assert anna.check_password("een nieuw wachtzinnetje")


# --- finding 11: formula cells in an imported workbook -----------------------------


def _with_formula(cached: str | None) -> bytes:
    """A score workbook whose C2 is the formula =3+4, with `cached` written into
    the sheet XML as its computed value (openpyxl cannot write one)."""
    import zipfile

    data = xlsx([("Code", "Thread", "Izegem"), ("RD01", "", "=3+4")])
    part = "xl/worksheets/sheet1.xml"
    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = source.read(part).decode()
    assert "<f>3+4</f><v /></c>" in sheet
    if cached is not None:
        sheet = sheet.replace("<f>3+4</f><v /></c>", f"<f>3+4</f><v>{cached}</v></c>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = sheet.encode() if item.filename == part else source.read(item)
            target.writestr(item, content)
    return buffer.getvalue()


def _import(client, world, data: bytes):
    return client.form(
        "/imports/scores",
        {
            "round_id": str(world["round"].id),
            "file": (io.BytesIO(data), "scores.xlsx"),
        },
        content_type="multipart/form-data",
    )


def test_a_formula_without_a_computed_value_is_an_error_naming_the_cell(
    login_as, world
):
    factories.score(world["round"], world["thread"], world["izegem"], 5)
    db.session.commit()
    client = login_as("coordinator", language="en")
    response = _import(client, world, _with_formula(None))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "C2: a formula without a computed value." in html
    assert "no answer" not in html
    assert db.session.scalar(select(Score.value)) == 5  # not cleared


def test_a_formula_with_a_computed_value_uses_it_and_says_so(login_as, world):
    factories.score(world["round"], world["thread"], world["izegem"], 5)
    db.session.commit()
    client = login_as("coordinator", language="en")
    response = _import(client, world, _with_formula("7"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "C2 holds a formula: its computed value 7 is used." in html
    assert 'data-change="RD01-Izegem"' in html
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    assert client.form("/imports/scores/apply", {"token": token}).status_code == 303
    assert db.session.scalar(select(Score.value)) == 7


def test_a_correct_password_elsewhere_does_not_break_a_counting_attempt(app, anna):
    """Another worker's correct password clears the account's records right after
    this attempt was recorded: the attempt is still counted and answered (seen
    under gunicorn as a 500: the expired row was gone when it was read again)."""
    from sqlalchemy import delete, event

    from app.auth import throttle
    from app.auth.models import LoginFailure

    session = db.session()

    def cleared_elsewhere(_session):
        with db.engine.begin() as other:
            other.execute(delete(LoginFailure).where(LoginFailure.email == anna.email))

    event.listen(session, "after_commit", cleared_elsewhere, once=True)
    attempt, wait = throttle.admit(anna.email, "192.0.2.7")
    assert wait == 0 and isinstance(attempt, int)
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
