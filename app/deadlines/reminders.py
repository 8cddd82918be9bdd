"""Daily reminder digests: one e-mail per user with their overdue and coming items.

At most one digest per user per day, on any number of hosts: the day's row in
`reminder_sent` is claimed (unique per user and day) before the mail goes out,
and released again if sending fails, so that the next run sends it.

A refusal the server says is final (SMTP 5xx on RCPT or after DATA) is not
retried: it is recorded on the user (`mail_refused_at`, `mail_refused_reason`,
shown on the admin's page of the user) and no digest goes to that address until
it changes. A temporary one (4xx, a lost connection) is retried by the next run.

The mail is what a receiving server and an operator expect of automated mail:
`Date`, a `Message-ID` in our own domain, `Auto-Submitted: auto-generated`, and a
one-click unsubscribe link (RFC 8058) signed for the user, which needs no sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import smtplib
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.auth.models import User
from app.deadlines.deadlines import Deadline, Scope, deadlines, grouped
from app.deadlines.models import ReminderSent
from app.extensions import db
from app.i18n import user_locale
from app.links import absolute_url

#: What a message can fail with: the server's refusal or a lost connection.
SEND_FAILURES = (smtplib.SMTPException, OSError)
UNSUBSCRIBE_SALT = "reminder-digest-unsubscribe"
#: The default policy, except that a header stored as is (`set_raw`) is written as
#: is: the email package folds a long header without spaces (a URL) into RFC 2047
#: encoded-words, in which strict clients and mailbox providers find no address.
#: Headers set the usual way are still folded (and encoded) by the policy.
MAIL_POLICY = policy.default.clone(refold_source="none")


class MailServerUnreachable(Exception):
    """The mail server cannot be reached (or refuses us); one line for the operator."""


@dataclass
class Digest:
    user: User
    items: list[Deadline]
    # Events of the "digest" channel not mailed yet (app/notifications).
    events: list = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.category == "overdue")


@dataclass
class Outcome:
    """What a run did: how many went out, who failed, and why it stopped early."""

    sent: int = 0
    failed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    error: str | None = None


def digests(days: int | None = None) -> list[Digest]:
    """Who would get a digest today: active users who want it, with overdue or
    coming items or events of the digest channel, not sent one yet today.

    Coming items are those within the person's lead time for their kind
    (/profile/notifications), or within `days` for everyone when given."""
    from app.notifications.inbox import digest_events, lead_times_of

    already = select(ReminderSent.user_id).where(ReminderSent.sent_on == clock.today())
    users = db.session.scalars(
        select(User)
        .where(
            User.active,
            User.digest_enabled,
            User.mail_refused_at.is_(None),
            User.id.not_in(already),
        )
        .order_by(User.id)
    )
    users = list(users)
    leads = lead_times_of([user.id for user in users])
    events = digest_events([user.id for user in users])
    result = []
    for user in users:
        ahead = days if days is not None else max(leads[user.id].values())
        items = deadlines(Scope(viewer=user, user=user), within_days=ahead, limit=200)
        if days is None:
            items = [
                item
                for item in items
                if item.category == "overdue"
                or item.days_left <= leads[user.id][item.kind]
            ]
        if items or events.get(user.id):
            result.append(Digest(user, items, events.get(user.id, [])))
    return result


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)


def password_mark(user: User) -> str:
    """Changes with every new password (an admin's reset, the user's own change),
    so that the links in earlier mails stop working: a reset answers a suspected
    compromise. (A one-way digest of the salted hash: it reveals nothing.)"""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def unsubscribe_token(user: User) -> str:
    """The signed token of `user`'s unsubscribe link (no sign-in needed), valid
    until the user's password changes."""
    return _serializer().dumps([user.id, password_mark(user)])


def user_for_unsubscribe_token(token: str) -> User | None:
    """The user a genuine, current unsubscribe token was made for; None for any
    other (forged, or made before the password last changed)."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    user_id, mark = payload
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    user = db.session.get(User, user_id)
    if user is None or not hmac.compare_digest(str(mark), password_mark(user)):
        return None
    return user


def unsubscribe_url(user: User) -> str:
    return absolute_url("deadlines.unsubscribe", token=unsubscribe_token(user))


def set_digest(user: User, enabled: bool) -> None:
    """Turn `user`'s daily digest on or off."""
    user.digest_enabled = enabled
    db.session.commit()


def message_id_domain() -> str:
    """MAIL_MESSAGE_ID_DOMAIN, else the domain of the sender's address."""
    configured = current_app.config.get("MAIL_MESSAGE_ID_DOMAIN")
    if configured:
        return configured
    address = parseaddr(current_app.config["MAIL_SENDER"])[1]
    return (
        address.rpartition("@")[2] or urlsplit(current_app.config["BASE_URL"]).hostname
    )


def build_message(digest: Digest, days: int | None) -> EmailMessage:
    """The digest in the user's language, as plain text and HTML."""
    from app.notifications.inbox import lead_times
    from app.notifications.kinds import LEAD_KIND_LABELS
    from app.notifications.mailing import event_text, event_url

    unsubscribe = unsubscribe_url(digest.user)
    with force_locale(user_locale(digest.user)):
        leads = lead_times(digest.user)
        context = {
            "user": digest.user,
            "groups": grouped(digest.items),
            "days": days,
            "lead_times": [(LEAD_KIND_LABELS[k], n) for k, n in leads.items()],
            "events": [(event_text(e), event_url(e)) for e in digest.events],
            "deadlines_url": absolute_url("deadlines.index"),
            "profile_url": absolute_url("auth.profile"),
            "unsubscribe_url": unsubscribe,
        }
        message = EmailMessage(policy=MAIL_POLICY)
        if digest.items:
            message["Subject"] = ngettext(
                "Midwest: %(num)s deadline, %(overdue)s overdue",
                "Midwest: %(num)s deadlines, %(overdue)s overdue",
                len(digest.items),
                overdue=digest.overdue,
            )
        else:
            message["Subject"] = ngettext(
                "Midwest: %(num)s notification",
                "Midwest: %(num)s notifications",
                len(digest.events),
            )
        message["From"] = current_app.config["MAIL_SENDER"]
        message["To"] = digest.user.email
        message["Date"] = format_datetime(clock.now_utc())
        message["Message-ID"] = make_msgid(domain=message_id_domain())
        message["Auto-Submitted"] = "auto-generated"
        # ASCII only (a URL of ours); one line, up to RFC 5322's 998 characters.
        message.set_raw("List-Unsubscribe", f"<{unsubscribe}>")
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(render_template("deadlines/reminder.txt", **context))
        message.add_alternative(
            render_template("deadlines/reminder.html", **context), subtype="html"
        )
    return message


def refused_addresses() -> list[User]:
    """Who would want a digest but whose address was refused for good."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active, User.digest_enabled, User.mail_refused_at.is_not(None))
            .order_by(User.id)
        )
    )


def timed_out(error: BaseException) -> bool:
    """The server did not answer in time (smtplib wraps a read timeout in
    SMTPServerDisconnected, which would read as "closed the connection")."""
    return isinstance(error, TimeoutError) or isinstance(
        error.__context__, TimeoutError
    )


def permanent(error: BaseException) -> bool:
    """The server refused this message to this recipient for good (5xx)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def describe(error: BaseException, timeout: float | None = None) -> str:
    """A mail error on one line: the server's code and words, or the socket's."""
    if timed_out(error):
        text = f"no answer within {timeout:g} s (MAIL_TIMEOUT)"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = error.recipients.values()
        text = "; ".join(f"{code} {_text(reply)}" for code, reply in replies)
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_text(error.smtp_error)}"
    elif isinstance(error, smtplib.SMTPServerDisconnected):
        text = "the mail server closed the connection"
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())


def _text(reply) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


class Mailer:
    """One SMTP connection, opened again when the server dropped it."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    @property
    def address(self) -> str:
        return f"{self.config['MAIL_SERVER']}:{self.config['MAIL_PORT']}"

    def connect(self) -> None:
        self.close()
        try:
            self.connection = self._open()
        except SEND_FAILURES as error:
            raise MailServerUnreachable(
                f"cannot reach the mail server {self.address}: {self.describe(error)}"
            ) from error

    def describe(self, error: BaseException) -> str:
        return describe(error, self.config["MAIL_TIMEOUT"])

    def _open(self) -> smtplib.SMTP:
        config = self.config
        server, port = config["MAIL_SERVER"], config["MAIL_PORT"]
        timeout = config["MAIL_TIMEOUT"]
        if config["MAIL_USE_SSL"]:
            connection = smtplib.SMTP_SSL(server, port, timeout=timeout)
        else:
            connection = smtplib.SMTP(server, port, timeout=timeout)
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                connection.starttls()
            if config["MAIL_USERNAME"]:
                connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def ensure_connected(self) -> None:
        """Reconnect when the server dropped the connection since the last message."""
        if self.connection is None or not self._alive():
            self.connect()

    def _alive(self) -> bool:
        try:
            return self.connection.noop()[0] == 250
        except SEND_FAILURES:
            return False

    def send(self, message: EmailMessage) -> None:
        self.connection.send_message(message)

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except SEND_FAILURES:
            self.connection.close()
        self.connection = None


def _claim(user: User, count: int) -> bool:
    """Reserve today's digest for `user`; False when another run did already."""
    db.session.add(
        ReminderSent(user_id=user.id, sent_on=clock.today(), item_count=count)
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _release(user: User) -> None:
    db.session.execute(
        delete(ReminderSent).where(
            ReminderSent.user_id == user.id, ReminderSent.sent_on == clock.today()
        )
    )
    db.session.commit()


def _record_refusal(user: User, reason: str) -> None:
    user.mail_refused_at = clock.now_utc()
    user.mail_refused_reason = reason[:300]
    db.session.commit()


def _mark_events_mailed(digest: Digest) -> None:
    from app.notifications.inbox import mark_mailed

    mark_mailed(digest.events)


def send_reminders(days: int | None, dry_run: bool, echo) -> Outcome:
    """Send today's digests (or only say what would be sent).

    A message the server refuses for now, or that a dropped connection loses,
    is given up for this run (its claim released, so the next run sends it); one
    it refuses for good is recorded on the user and not sent again. The run goes
    on, reconnecting when needed; an unreachable server stops the run.
    """
    outcome = Outcome()
    for user in refused_addresses():
        echo(
            f"not sent to {user.email}: the address was refused"
            f" ({user.mail_refused_reason}); it gets digests again once it changes"
        )
    pending = digests(days)
    if dry_run:
        for digest in pending:
            echo(f"would send to {digest.user.email}: {len(digest.items)} items")
        return outcome
    if not pending:
        return outcome
    mailer = Mailer(current_app.config)
    try:
        for digest in pending:
            mailer.ensure_connected()
            if not _claim(digest.user, len(digest.items)):
                continue
            try:
                mailer.send(build_message(digest, days))
            except SEND_FAILURES as error:
                _release(digest.user)
                reason = mailer.describe(error)
                if permanent(error):
                    _record_refusal(digest.user, reason)
                    outcome.refused.append(digest.user.email)
                    echo(
                        f"refused for {digest.user.email}: {reason};"
                        " no digest goes to this address until it changes"
                    )
                else:
                    outcome.failed.append(digest.user.email)
                    echo(f"failed for {digest.user.email}: {reason}")
                continue
            _mark_events_mailed(digest)
            outcome.sent += 1
            echo(f"sent to {digest.user.email}: {len(digest.items)} items")
    except MailServerUnreachable as error:
        outcome.error = str(error)
    finally:
        mailer.close()
    return outcome
