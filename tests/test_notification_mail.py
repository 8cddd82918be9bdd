"""Issue 26 item 5: event mail through a real SMTP server (aiosmtpd): one mail
per person per 10 minutes, the digest's headers, one-click unsubscribe per kind,
In-Reply-To/References per object, the recipient's language; the digest channel
rides with the daily digest; nothing is mailed during a web request."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from app import clock
from app.extensions import db
from app.notifications.inbox import preferences, save_preferences
from app.notifications.mailing import unsubscribe_token
from app.notifications.models import Notification
from app.subsidies import dossiers
from tests import factories

BASE_URL = "https://tracker.midwest.example/app"


@pytest.fixture
def world(app):
    app.config.update(
        BASE_URL=BASE_URL,
        MAIL_SENDER="Midwest <noreply@midwest.example>",
        MAIL_MESSAGE_ID_DOMAIN=None,
    )
    izegem = factories.municipality("Izegem")
    tielt = factories.municipality("Tielt")
    people = SimpleNamespace(
        coordinator=factories.user("coordinator"),
        izegem=factories.user("municipality", izegem, email="iza@izegem.example"),
        tielt=factories.user(
            "municipality", tielt, email="tom@tielt.example", language="en"
        ),
    )
    dossier = factories.application(lead=izegem, partners=[tielt], title="Counter")
    other = factories.application(lead=izegem, title="Other dossier")
    db.session.commit()
    return SimpleNamespace(people=people, dossier=dossier, other=other)


def _move(world, dossier, target):
    values = {"submitted_on": clock.today()} if target == "submitted" else {}
    assert dossiers.move(dossier, target, values, False, world.people.coordinator) == {}
    db.session.commit()


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["send-notifications", *args])


def _raw_for(inbox, address: str) -> list[bytes]:
    return [
        raw
        for raw, message in zip(inbox.raw, inbox.messages, strict=True)
        if message["To"] == address
    ]


def test_a_dossier_mail_carries_the_headers_clients_understand(app, world, smtp_server):
    _move(world, world.dossier, "preparing")
    assert smtp_server.messages == []  # nothing went out from the change itself
    result = _run(app)
    assert result.exit_code == 0, result.output
    (raw,) = _raw_for(smtp_server, "iza@izegem.example")
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    root = f"<application-{world.dossier.id}@midwest.example>"
    assert re.search(r"^Date: .+\r?$", head, re.MULTILINE)
    assert re.search(r"^Message-ID: <[^>]+@midwest\.example>\r?$", head, re.MULTILINE)
    assert "\r\nAuto-Submitted: auto-generated\r\n" in head
    assert f"\r\nIn-Reply-To: {root}\r\n" in head
    assert f"\r\nReferences: {root}\r\n" in head
    link = re.search(r"^List-Unsubscribe: <(https://[^>\s]+)>\r?$", head, re.MULTILINE)
    assert link and link.group(1).startswith(f"{BASE_URL}/notifications/unsubscribe/")
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head
    # A later mail about the same dossier answers the same conversation.
    db.session.execute(
        update(Notification).values(mailed_at=clock.now_utc() - timedelta(minutes=11))
    )
    db.session.commit()
    _move(world, world.dossier, "submitted")
    _run(app)
    later = _raw_for(smtp_server, "iza@izegem.example")[1].split(b"\r\n\r\n")[0]
    assert f"References: {root}".encode() in later


def test_the_mail_is_in_the_recipients_language(app, world, smtp_server):
    _move(world, world.dossier, "preparing")
    _run(app)
    by_address = {m["To"]: m for m in smtp_server.messages}
    dutch, english = by_address["iza@izegem.example"], by_address["tom@tielt.example"]
    assert dutch["Subject"] == "Midwest: Dossier “Counter” is nu: In voorbereiding"
    assert english["Subject"] == "Midwest: Dossier “Counter” is now: In preparation"
    assert "Dag " in dutch.get_body(("plain",)).get_content()
    assert "Hello" in english.get_body(("plain",)).get_content()


def test_at_most_one_mail_per_person_per_ten_minutes(app, world, smtp_server):
    _move(world, world.dossier, "preparing")
    _move(world, world.other, "preparing")
    _run(app)
    mine = [m for m in smtp_server.messages if m["To"] == "iza@izegem.example"]
    assert len(mine) == 1  # both events in one mail
    assert mine[0]["Subject"] == "Midwest: 2 meldingen"
    assert "In-Reply-To" not in mine[0]  # about two dossiers: no one conversation
    _move(world, world.dossier, "submitted")
    _run(app)
    assert (
        len([m for m in smtp_server.messages if m["To"] == "iza@izegem.example"]) == 1
    )
    # Ten minutes later the waiting event goes out.
    db.session.execute(
        update(Notification)
        .where(Notification.mailed_at.is_not(None))
        .values(mailed_at=clock.now_utc() - timedelta(minutes=11))
    )
    db.session.commit()
    _run(app)
    assert (
        len([m for m in smtp_server.messages if m["To"] == "iza@izegem.example"]) == 2
    )
    _run(app)
    assert (
        len([m for m in smtp_server.messages if m["To"] == "iza@izegem.example"]) == 2
    )


@pytest.mark.parametrize("channel", ["inbox", "off", "digest"])
def test_only_the_mail_channel_is_mailed_at_once(app, world, smtp_server, channel):
    save_preferences(world.people.izegem, {"dossier_status": channel}, {})
    _move(world, world.dossier, "preparing")
    _run(app)
    assert [m["To"] for m in smtp_server.messages] == ["tom@tielt.example"]


def test_the_digest_channel_rides_with_the_daily_digest(app, world, smtp_server):
    save_preferences(world.people.izegem, {"dossier_status": "digest"}, {})
    _move(world, world.dossier, "preparing")
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    (digest,) = [m for m in smtp_server.messages if m["To"] == "iza@izegem.example"]
    body = digest.get_body(("plain",)).get_content()
    assert "Wat er gebeurde" in body
    assert "Dossier “Counter” is nu: In voorbereiding" in body
    assert f"{BASE_URL}/applications/{world.dossier.id}" in body
    pending = db.session.scalar(
        select(Notification.mailed_at).where(
            Notification.user_id == world.people.izegem.id
        )
    )
    assert pending is not None  # not in the next digest again


def test_a_partner_removed_before_the_mail_gets_no_mail(app, world, smtp_server):
    _move(world, world.dossier, "preparing")
    partner = world.dossier.partners[0]
    dossiers.remove_partner(world.dossier, partner, world.people.coordinator)
    db.session.commit()
    result = _run(app)
    assert "not mailed: no longer visible" in result.output
    assert "tom@tielt.example" not in [m["To"] for m in smtp_server.messages]


def test_one_click_unsubscribe_moves_those_kinds_to_the_inbox(app, world, client):
    person = world.people.izegem
    token = unsubscribe_token(person, ["dossier_status"])
    assert client.get(f"/notifications/unsubscribe/{token}").status_code == 200
    assert preferences(person)["dossier_status"] == "mail"  # GET only asks
    answer = client.post(
        f"/notifications/unsubscribe/{token}",
        data={"List-Unsubscribe": "One-Click"},
    )
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert preferences(person)["dossier_status"] == "inbox"
    assert preferences(person)["mentioned"] == "mail"  # other kinds unchanged


def test_a_forged_or_outdated_unsubscribe_link_changes_nothing(app, world, client):
    person = world.people.izegem
    token = unsubscribe_token(person, ["dossier_status"])
    assert client.post(f"/notifications/unsubscribe/{token}x").status_code == 404
    person.set_password("an entirely new passphrase 42")
    db.session.commit()
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 404
    assert preferences(person)["dossier_status"] == "mail"


def test_the_unsubscribe_token_stays_out_of_the_logs():
    from app.redact import redact_secrets

    line = 'POST /notifications/unsubscribe/WzIsWyJjb21tZW50Il0.abc HTTP/1.1"'
    assert redact_secrets(line) == ('POST /notifications/unsubscribe/[token] HTTP/1.1"')


def test_outside_debug_a_local_base_url_is_refused(app, world, smtp_server):
    _move(world, world.dossier, "preparing")
    app.config.update(TESTING=False, BASE_URL="http://127.0.0.1:5000")
    try:
        result = _run(app)
    finally:
        app.config["TESTING"] = True
    assert result.exit_code == 1
    assert "BASE_URL is not set" in result.output and "Traceback" not in result.output
    assert smtp_server.messages == []
    assert (
        db.session.scalar(
            select(Notification.id).where(Notification.mailed_at.is_not(None))
        )
        is None
    )
