"""Daily reminder digests: one e-mail per user with their overdue and coming items.

At most one digest per user per day, on any number of hosts: the day's row in
`reminder_sent` is claimed (unique per user and day) before the mail goes out,
and released again if sending fails.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.auth.models import User
from app.deadlines.deadlines import Deadline, Scope, deadlines, grouped
from app.deadlines.models import ReminderSent
from app.extensions import db
from app.i18n import user_locale


@dataclass
class Digest:
    user: User
    items: list[Deadline]

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.category == "overdue")


def digests(days: int) -> list[Digest]:
    """Who would get a digest today: active users with overdue or coming items,
    not sent one yet today."""
    already = select(ReminderSent.user_id).where(ReminderSent.sent_on == clock.today())
    users = db.session.scalars(
        select(User).where(User.active, User.id.not_in(already)).order_by(User.id)
    )
    result = []
    for user in users:
        items = deadlines(Scope(viewer=user, user=user), within_days=days, limit=200)
        if items:
            result.append(Digest(user, items))
    return result


def build_message(digest: Digest, days: int) -> EmailMessage:
    """The digest in the user's language, as plain text and HTML."""
    with force_locale(user_locale(digest.user)):
        context = {
            "user": digest.user,
            "groups": grouped(digest.items),
            "days": days,
            "base_url": current_app.config["BASE_URL"].rstrip("/"),
        }
        message = EmailMessage()
        message["Subject"] = ngettext(
            "Midwest: %(num)s deadline, %(overdue)s overdue",
            "Midwest: %(num)s deadlines, %(overdue)s overdue",
            len(digest.items),
            overdue=digest.overdue,
        )
        message["From"] = current_app.config["MAIL_SENDER"]
        message["To"] = digest.user.email
        message.set_content(render_template("deadlines/reminder.txt", **context))
        message.add_alternative(
            render_template("deadlines/reminder.html", **context), subtype="html"
        )
    return message


def _smtp():
    config = current_app.config
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30
        )
    else:
        connection = smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30
        )
        if config["MAIL_USE_TLS"]:
            connection.starttls()
    if config["MAIL_USERNAME"]:
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return connection


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


def send_reminders(days: int, dry_run: bool, echo) -> int:
    """Send today's digests (or only say what would be sent); returns how many."""
    pending = digests(days)
    if dry_run:
        for digest in pending:
            echo(f"would send to {digest.user.email}: {len(digest.items)} items")
        return 0
    sent = 0
    if not pending:
        return 0
    with _smtp() as connection:
        for digest in pending:
            if not _claim(digest.user, len(digest.items)):
                continue
            try:
                connection.send_message(build_message(digest, days))
            except smtplib.SMTPException as error:
                _release(digest.user)
                echo(f"failed for {digest.user.email}: {error}")
                continue
            sent += 1
            echo(f"sent to {digest.user.email}: {len(digest.items)} items")
    return sent
