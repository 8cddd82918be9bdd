"""Reminder mail an operator can trust, against a real SMTP server (aiosmtpd):
the headers receiving servers expect, one-click unsubscribe (RFC 8058), one-line
errors and a non-zero exit status, reconnecting after a dropped connection."""

import re
import socket
import threading
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from app import clock
from app.deadlines.models import ReminderSent
from app.deadlines.reminders import unsubscribe_token
from app.extensions import db
from tests import factories
from tests.conftest import free_port

BASE_URL = "https://tracker.midwest.example/app"


@pytest.fixture
def people(app):
    """Three users with an overdue task each, the middle one reading English."""
    app.config.update(
        BASE_URL=BASE_URL,
        MAIL_SENDER="Midwest <noreply@midwest.example>",
        MAIL_MESSAGE_ID_DOMAIN=None,
    )
    group = factories.group()
    users = []
    for name, language in (("ann", "nl"), ("bob", "en"), ("cas", "nl")):
        user = factories.user(
            "coordinator", email=f"{name}@example.org", language=language
        )
        factories.task(
            group,
            title=f"Late for {name}",
            due_on=clock.today() - timedelta(days=2),
            assignee_id=user.id,
        )
        users.append(user)
    db.session.commit()
    return users


def _send(app, *args):
    return app.test_cli_runner().invoke(args=["send-reminders", "--days", "7", *args])


def _claimed(app) -> set[str]:
    from app.auth.models import User

    return set(
        db.session.scalars(
            select(User.email).join(ReminderSent, ReminderSent.user_id == User.id)
        )
    )


def test_each_message_carries_the_headers_of_trustworthy_mail(app, people, smtp_server):
    result = _send(app)
    assert result.exit_code == 0, result.output
    assert "3 digest(s) sent." in result.output
    by_recipient = {m["To"]: m for m in smtp_server.messages}
    assert set(by_recipient) == {
        "ann@example.org",
        "bob@example.org",
        "cas@example.org",
    }
    ids = set()
    for user in people:
        message = by_recipient[user.email]
        sent_at = parsedate_to_datetime(message["Date"])
        assert abs(sent_at - clock.now_utc()) < timedelta(minutes=5)
        assert message["Message-ID"].endswith("@midwest.example>")
        ids.add(message["Message-ID"])
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["From"] == "Midwest <noreply@midwest.example>"
        link = f"{BASE_URL}/reminders/unsubscribe/{unsubscribe_token(user)}"
        assert message["List-Unsubscribe"] == f"<{link}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert link in text and link in html
        assert (
            f"{BASE_URL}/deadlines" in text and f'href="{BASE_URL}/deadlines"' in html
        )
    assert len(ids) == 3  # one Message-ID per message


def test_the_message_id_domain_can_be_configured(app, people, smtp_server):
    app.config["MAIL_MESSAGE_ID_DOMAIN"] = "mail.midwest.example"
    assert _send(app).exit_code == 0
    assert {m["Message-ID"].rsplit("@", 1)[1] for m in smtp_server.messages} == {
        "mail.midwest.example>"
    }


def test_mail_is_in_the_recipients_language(app, people, smtp_server):
    assert _send(app).exit_code == 0
    by_recipient = {m["To"]: m for m in smtp_server.messages}
    dutch, english = by_recipient["ann@example.org"], by_recipient["bob@example.org"]
    assert "te laat" in dutch["Subject"] and "overdue" in english["Subject"]
    assert "Deze e-mails stopzetten" in dutch.get_body(("plain",)).get_content()
    assert "Stop these e-mails" in english.get_body(("plain",)).get_content()


def test_one_click_unsubscribe_needs_no_sign_in_and_no_csrf_token(
    app, client, people, smtp_server
):
    ann = people[0]
    assert _send(app).exit_code == 0
    message = next(m for m in smtp_server.messages if m["To"] == ann.email)
    path = message["List-Unsubscribe"].strip("<>").removeprefix(BASE_URL)
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and ann.email in html
    assert page.headers["Cache-Control"] == "no-store"
    assert 'method="post"' in html and "stopzetten" in html  # ann reads Dutch
    assert db.session.get(type(ann), ann.id).digest_enabled  # GET changes nothing
    # What a mail program sends (RFC 8058): a bare POST, no cookie, no token.
    mail_program = app.test_client()
    response = mail_program.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "niet meer" in response.get_data(as_text=True)
    assert not db.session.get(type(ann), ann.id).digest_enabled
    db.session.execute(ReminderSent.__table__.delete())
    db.session.commit()
    smtp_server.messages.clear()
    assert _send(app).exit_code == 0
    assert {m["To"] for m in smtp_server.messages} == {
        "bob@example.org",
        "cas@example.org",
    }


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "MQ.not-the-signature",
        # a signature made with another key is no key
        "other-key",
    ],
)
def test_a_forged_unsubscribe_link_changes_nothing(app, client, people, token):
    if token == "other-key":
        from itsdangerous import URLSafeSerializer

        token = URLSafeSerializer("another secret", salt="x").dumps(people[0].id)
    for method in ("GET", "POST"):
        response = client.open(f"/reminders/unsubscribe/{token}", method=method)
        assert response.status_code == 404
    assert all(db.session.get(type(u), u.id).digest_enabled for u in people)


def _digest_switch(html: str) -> str:
    return re.search(r'<input[^>]*name="digest-digest"[^>]*>', html).group(0)


def test_the_digest_is_turned_off_and_on_in_the_profile(
    app, login_as, people, smtp_server
):
    bob = people[1]
    client = login_as(bob)
    assert "checked" in _digest_switch(client.get("/profile").get_data(as_text=True))
    assert client.form("/profile/digest", {}).status_code == 303  # unticked
    assert not db.session.get(type(bob), bob.id).digest_enabled
    page = client.get("/profile").get_data(as_text=True)
    assert "checked" not in _digest_switch(page)
    assert _send(app).exit_code == 0
    assert bob.email not in {m["To"] for m in smtp_server.messages}
    assert client.form("/profile/digest", {"digest-digest": "y"}).status_code == 303
    assert db.session.get(type(bob), bob.id).digest_enabled
    # Another form of the page refused: the switch still shows what is saved.
    refused = client.form("/profile/password", {"password-current_password": "x"})
    assert refused.status_code == 422
    assert "checked" in _digest_switch(refused.get_data(as_text=True))


def test_an_unreachable_server_is_one_line_and_exit_status_1(app, people):
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    result = _send(app)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if "Error" in line]
    assert errors == [
        f"Error: cannot reach the mail server 127.0.0.1:{port}: "
        + errors[0].split(f"{port}: ", 1)[1]
    ]
    assert "refused" in errors[0].lower()
    assert _claimed(app) == set()  # everyone is sent on the next run


def _user(email: str):
    from app.auth.models import User

    return db.session.scalars(select(User).where(User.email == email)).one()


def test_a_permanent_refusal_is_recorded_and_not_retried(
    app, people, smtp_server, login_as
):
    smtp_server.refuse = {"bob@example.org"}
    result = _send(app)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        "refused for bob@example.org: 550 5.1.1 No such mailbox here;"
        " no digest goes to this address until it changes"
    ) in result.output
    assert "Error: 1 address(es) refused for good" in result.output
    assert {m["To"] for m in smtp_server.messages} == {
        "ann@example.org",
        "cas@example.org",
    }
    bob = _user("bob@example.org")
    assert bob.mail_refused_at is not None
    assert bob.mail_refused_reason == "550 5.1.1 No such mailbox here"
    # The next run (today or any later day) does not knock again, and says so;
    # nothing failed in it.
    smtp_server.refuse = set()
    db.session.execute(ReminderSent.__table__.delete())
    db.session.commit()
    smtp_server.messages.clear()
    again = _send(app)
    assert again.exit_code == 0, again.output
    assert "not sent to bob@example.org: the address was refused" in again.output
    assert "bob@example.org" not in {m["To"] for m in smtp_server.messages}
    # The admin sees the refusal and its reason on the user's page ...
    coordinator = login_as("coordinator")
    page = coordinator.get(f"/admin/users/{bob.id}").get_data(as_text=True)
    assert "550 5.1.1 No such mailbox here" in page
    assert "geweigerd" in page
    listed = coordinator.get("/admin/users").get_data(as_text=True)
    row = next(r for r in listed.split("<tr>") if "bob@example.org" in r)
    assert "mail geweigerd" in row
    assert "mail geweigerd" not in next(
        r for r in listed.split("<tr>") if "ann@example.org" in r
    )
    # ... and a new address clears it: the next run sends to it.
    data = {
        "email": "bob@other.example",
        "full_name": bob.full_name,
        "role": bob.role,
        "municipality_id": 0,
        "language": bob.language,
        "active": "y",
    }
    assert coordinator.form(f"/admin/users/{bob.id}", data).status_code == 303
    db.session.refresh(bob)
    assert bob.mail_refused_at is None and bob.mail_refused_reason is None
    page = coordinator.get(f"/admin/users/{bob.id}").get_data(as_text=True)
    assert "550 5.1.1" not in page
    db.session.execute(ReminderSent.__table__.delete())
    db.session.commit()
    assert _send(app).exit_code == 0
    assert "bob@other.example" in {m["To"] for m in smtp_server.messages}


def test_a_refusal_after_data_is_permanent_too(app, people, smtp_server):
    smtp_server.refuse_data = {"cas@example.org": "554 5.7.1 Message refused"}
    result = _send(app)
    assert result.exit_code == 1
    assert "refused for cas@example.org: 554 5.7.1 Message refused;" in result.output
    assert _user("cas@example.org").mail_refused_reason == "554 5.7.1 Message refused"
    assert _user("ann@example.org").mail_refused_at is None


def test_a_temporary_refusal_fails_alone_and_is_retried_next_run(
    app, people, smtp_server
):
    smtp_server.refuse = {"bob@example.org"}
    smtp_server.refuse_reply = "450 4.2.1 Mailbox busy, try later"
    result = _send(app)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "failed for bob@example.org: 450 4.2.1 Mailbox busy, try later" in (
        result.output
    )
    assert "Error: 1 digest(s) failed; the next run sends them again" in result.output
    assert {m["To"] for m in smtp_server.messages} == {
        "ann@example.org",
        "cas@example.org",
    }
    assert _claimed(app) == {"ann@example.org", "cas@example.org"}
    assert _user("bob@example.org").mail_refused_at is None
    smtp_server.refuse = set()
    again = _send(app)
    assert again.exit_code == 0, again.output
    assert [m["To"] for m in smtp_server.messages[2:]] == ["bob@example.org"]


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never says a word (no greeting)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    stop = threading.Event()

    def serve():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_server_that_never_greets_is_reported_as_a_timeout(
    app, people, silent_server
):
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=silent_server, MAIL_TIMEOUT=0.5
    )
    result = _send(app)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        f"Error: cannot reach the mail server 127.0.0.1:{silent_server}:"
        " no answer within 0.5 s (MAIL_TIMEOUT)"
    ) in result.output
    assert "closed the connection" not in result.output
    assert _claimed(app) == set()


def test_the_mail_timeout_defaults_to_30_seconds():
    from app.config import Config

    assert Config.MAIL_TIMEOUT == 30


def test_a_dropped_connection_is_reopened_and_the_run_goes_on(app, people, smtp_server):
    smtp_server.drop_at = {2}  # in the middle of bob's message
    result = _send(app)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "failed for bob@example.org: the mail server closed the connection" in (
        result.output
    )
    assert "sent to cas@example.org" in result.output
    assert smtp_server.connections == 2
    assert {m["To"] for m in smtp_server.messages} == {
        "ann@example.org",
        "cas@example.org",
    }
    assert _claimed(app) == {"ann@example.org", "cas@example.org"}
    again = _send(app)
    assert again.exit_code == 0, again.output
    assert [m["To"] for m in smtp_server.messages[2:]] == ["bob@example.org"]


def test_outside_debug_a_local_base_url_is_refused(app, people, smtp_server):
    app.config.update(TESTING=False, BASE_URL="http://127.0.0.1:5000")
    try:
        result = _send(app)
    finally:
        app.config["TESTING"] = True
    assert result.exit_code == 1
    assert "BASE_URL is not set" in result.output and "Traceback" not in result.output
    assert smtp_server.messages == [] and _claimed(app) == set()


def test_list_unsubscribe_is_a_plain_url_on_the_wire_with_a_long_base_url(
    app, people, smtp_server
):
    """RFC 2369/8058: strict clients read the header's bytes; an RFC 2047
    encoded-word or a fold inside the URL hides the address from them."""
    long_base = "https://tracker.midwest-regio-digitaal.example/omgeving/productie"
    app.config["BASE_URL"] = long_base
    assert _send(app).exit_code == 0
    assert len(smtp_server.raw) == 3
    for raw in smtp_server.raw:
        head = raw.split(b"\r\n\r\n", 1)[0]
        lines = head.split(b"\r\n")
        header = next(x for x in lines if x.startswith(b"List-Unsubscribe: "))
        following = lines[lines.index(header) + 1]
        assert not following[:1].isspace()  # not folded onto a next line
        assert b"=?" not in header
        assert re.fullmatch(
            rb"List-Unsubscribe: <"
            + re.escape(long_base.encode())
            + rb"/reminders/unsubscribe/[A-Za-z0-9_.-]+>",
            header,
        ), header
        assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head
        # The other headers are still folded as usual (at most 78 characters).
        assert all(len(x) <= 78 for x in lines if x is not header)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_unsubscribe_answer_sets_no_cookie(app, people, method):
    """A mail program's one-click POST (and the page the link opens) is answered
    without a session: nothing for a browser to keep."""
    ann = people[0]
    path = f"/reminders/unsubscribe/{unsubscribe_token(ann)}"
    response = app.test_client().open(path, method=method)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_an_unsubscribe_token_stays_out_of_the_logs():
    from app.redact import redact_secrets

    token = "eyJhbGciOiJIUzUxMiJ9.WzEsImFiYyJd.c2lnbmF0dXJl"
    line = f"POST /reminders/unsubscribe/{token} HTTP/1.1"
    assert redact_secrets(line) == "POST /reminders/unsubscribe/[token] HTTP/1.1"
    assert token not in redact_secrets(
        f"https://x.example/reminders/unsubscribe/{token}"
    )


def _unsubscribe_status(app, token: str) -> int:
    return app.test_client().get(f"/reminders/unsubscribe/{token}").status_code


def test_an_admin_password_reset_replaces_the_unsubscribe_link(app, people, login_as):
    ann_id = people[0].id
    old = unsubscribe_token(people[0])
    assert _unsubscribe_status(app, old) == 200
    coordinator = login_as(people[2])
    assert coordinator.form(f"/admin/users/{ann_id}/reset").status_code == 200
    new = unsubscribe_token(db.session.get(type(people[0]), ann_id))
    assert new != old
    assert _unsubscribe_status(app, old) == 404
    assert _unsubscribe_status(app, new) == 200


def test_changing_ones_password_replaces_the_unsubscribe_link(app, people, login_as):
    from tests import factories as f

    bob = people[1]
    old = unsubscribe_token(bob)
    client = login_as(bob)
    new_password = "een veel beter wachtzinnetje"
    response = client.form(
        "/profile/password",
        {
            "password-current_password": f.PASSWORD,
            "password-new_password": new_password,
            "password-confirm": new_password,
        },
    )
    assert response.status_code == 303
    assert _unsubscribe_status(app, old) == 404
    new = unsubscribe_token(db.session.get(type(bob), bob.id))
    assert _unsubscribe_status(app, new) == 200
