"""Event mail (`flask send-notifications`): the events of the "mail" channel, at
most one mail per person per 10 minutes, never from a web request.

Each mail has the headers of the daily digest (Date, Message-ID, Auto-Submitted,
List-Unsubscribe one-click) — the unsubscribe link moves the kinds in that mail
from e-mail to the inbox — and, when it is about one object, `In-Reply-To` and
`References` naming that object, so mail programs show every mail about one
dossier as one conversation. Subject and body in the recipient's language.
An event whose object the recipient may no longer see (a partner removed) is
dropped, not mailed.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app import clock
from app.auth import permissions
from app.auth.models import User
from app.deadlines.reminders import (
    MAIL_POLICY,
    SEND_FAILURES,
    Mailer,
    MailServerUnreachable,
    message_id_domain,
    password_mark,
    permanent,
)
from app.extensions import db
from app.i18n import user_locale
from app.links import absolute_url
from app.notifications.kinds import KINDS, OBJECT_ENDPOINTS, message
from app.notifications.models import Notification

BATCH_MINUTES = 10
#: Events per mail at most (the rest goes in the next one).
BATCH_LIMIT = 50
UNSUBSCRIBE_SALT = "notification-unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, kinds: list[str]) -> str:
    """The signed token of a link that stops the mail of `kinds` for `user`
    (no sign-in), valid until the user's password changes."""
    return _serializer().dumps([user.id, sorted(set(kinds)), password_mark(user)])


def kinds_for_unsubscribe_token(token: str) -> tuple[User, list[str]] | None:
    """The user and kinds of a genuine, current token; None for any other."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 3):
        return None
    user_id, kinds, mark = payload
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    if not (isinstance(kinds, list) and kinds and all(k in KINDS for k in kinds)):
        return None
    user = db.session.get(User, user_id)
    if user is None or not hmac.compare_digest(str(mark), password_mark(user)):
        return None
    return user, kinds


def conversation_id(object_type: str, object_id: int) -> str:
    """The Message-ID every mail about one object refers to (its conversation)."""
    return f"<{object_type}-{object_id}@{message_id_domain()}>"


def event_url(item: Notification) -> str:
    endpoint, argument = OBJECT_ENDPOINTS[item.object_type]
    return absolute_url(endpoint, **{argument: item.object_id})


def event_text(item: Notification) -> str:
    actor = item.actor.full_name if item.actor else ""
    return message(item.kind, item.title, item.detail, actor)


def _model(object_type: str):
    from app.strategy.models import ScoringRound, Thread
    from app.subsidies.models import Application, SubsidyCall
    from app.work.models import Task, WorkingGroup

    return {
        "application": Application,
        "task": Task,
        "group": WorkingGroup,
        "call": SubsidyCall,
        "thread": Thread,
        "round": ScoringRound,
    }[object_type]


def still_visible(user: User, item: Notification) -> bool:
    """Whether `user` may still see the object (rights change after the event)."""
    obj = db.session.get(_model(item.object_type), item.object_id)
    return obj is not None and permissions.can_see_object(user, item.object_type, obj)


@dataclass
class Batch:
    user: User
    items: list[Notification]


@dataclass
class Outcome:
    sent: int = 0
    dropped: int = 0
    failed: list[str] = field(default_factory=list)
    error: str | None = None


def pending_batches() -> list[Batch]:
    """Who gets an event mail now: people with unmailed "mail" events who got
    none in the last BATCH_MINUTES (an address refused for good gets none)."""
    since = clock.now_utc() - timedelta(minutes=BATCH_MINUTES)
    recent = select(Notification.user_id).where(
        Notification.channel == "mail", Notification.mailed_at >= since
    )
    items = db.session.scalars(
        select(Notification)
        .options(joinedload(Notification.user), joinedload(Notification.actor))
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.channel == "mail",
            Notification.mailed_at.is_(None),
            User.active,
            User.mail_refused_at.is_(None),
            Notification.user_id.not_in(recent),
        )
        .order_by(Notification.user_id, Notification.id)
    )
    batches: dict[int, Batch] = {}
    for item in items:
        batch = batches.setdefault(item.user_id, Batch(item.user, []))
        if len(batch.items) < BATCH_LIMIT:
            batch.items.append(item)
    return list(batches.values())


def build_message(batch: Batch) -> EmailMessage:
    """One mail with the events of `batch`, in the recipient's language."""
    user, items = batch.user, batch.items
    kinds = sorted({item.kind for item in items})
    unsubscribe = absolute_url(
        "notifications.unsubscribe", token=unsubscribe_token(user, kinds)
    )
    with force_locale(user_locale(user)):
        lines = [(event_text(item), event_url(item)) for item in items]
        context = {
            "user": user,
            "lines": lines,
            "inbox_url": absolute_url("notifications.index"),
            "settings_url": absolute_url("notifications.settings"),
            "unsubscribe_url": unsubscribe,
        }
        message_ = EmailMessage(policy=MAIL_POLICY)
        if len(items) == 1:
            message_["Subject"] = f"Midwest: {lines[0][0]}"
        else:
            message_["Subject"] = ngettext(
                "Midwest: %(num)s notification",
                "Midwest: %(num)s notifications",
                len(items),
            )
        message_["From"] = current_app.config["MAIL_SENDER"]
        message_["To"] = user.email
        message_["Date"] = format_datetime(clock.now_utc())
        message_["Message-ID"] = make_msgid(domain=message_id_domain())
        message_["Auto-Submitted"] = "auto-generated"
        objects = {(item.object_type, item.object_id) for item in items}
        if len(objects) == 1:
            # A conversation per object: every mail answers the object's root.
            root = conversation_id(*objects.pop())
            message_.set_raw("In-Reply-To", root)
            message_.set_raw("References", root)
        message_.set_raw("List-Unsubscribe", f"<{unsubscribe}>")
        message_["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message_.set_content(render_template("notifications/mail.txt", **context))
        message_.add_alternative(
            render_template("notifications/mail.html", **context), subtype="html"
        )
    return message_


def _claim(items: list[Notification]) -> bool:
    """Mark the events mailed before sending; False when another run did."""
    ids = [item.id for item in items]
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.mailed_at.is_(None))
        .values(mailed_at=clock.now_utc())
    ).rowcount
    if claimed != len(ids):
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _release(items: list[Notification]) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_([item.id for item in items]))
        .values(mailed_at=None)
    )
    db.session.commit()


def send_notifications(dry_run: bool, echo) -> Outcome:
    """Mail the pending events, one mail per person (or say what would go)."""
    outcome = Outcome()
    batches = pending_batches()
    for batch in batches:
        visible = [i for i in batch.items if still_visible(batch.user, i)]
        dropped = [i for i in batch.items if i not in visible]
        if dropped and not dry_run:
            # Kept in the inbox history, never mailed: marked done.
            _claim(dropped)
        outcome.dropped += len(dropped)
        batch.items = visible
    batches = [b for b in batches if b.items]
    if dry_run:
        for batch in batches:
            echo(f"would send to {batch.user.email}: {len(batch.items)} events")
        return outcome
    if not batches:
        return outcome
    mailer = Mailer(current_app.config)
    try:
        for batch in batches:
            mailer.ensure_connected()
            if not _claim(batch.items):
                continue
            try:
                mailer.send(build_message(batch))
            except SEND_FAILURES as error:
                _release(batch.items)
                reason = mailer.describe(error)
                if permanent(error):
                    batch.user.mail_refused_at = clock.now_utc()
                    batch.user.mail_refused_reason = reason[:300]
                    db.session.commit()
                outcome.failed.append(batch.user.email)
                echo(f"failed for {batch.user.email}: {reason}")
                continue
            outcome.sent += 1
            echo(f"sent to {batch.user.email}: {len(batch.items)} events")
    except MailServerUnreachable as error:
        outcome.error = str(error)
    finally:
        mailer.close()
    return outcome
