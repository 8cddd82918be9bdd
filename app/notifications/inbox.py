"""The inbox, the bell, preferences and lead times, and "remind those who have
not answered" (rounds and calls)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app import clock
from app.auth import permissions
from app.auth.models import User
from app.extensions import db
from app.notifications.events import municipal_users, notify
from app.notifications.kinds import KINDS, LEAD_TIME_DEFAULTS, default_channel
from app.notifications.models import (
    LEAD_KINDS,
    LeadTime,
    Notification,
    NotificationPreference,
    SentReminder,
)
from app.paging import ListPage, window

INBOX_PAGE = 50


def unread_count(user: User) -> int:
    """The bell: one COUNT over the (user_id, read_at) index (less what the
    person may no longer open)."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            permissions.visible_notifications(user),
        )
    )


def inbox(user: User, unread_only: bool, kind: str | None) -> ListPage:
    """One page of `user`'s events, unread first, newest first (one query)."""
    query = (
        select(Notification)
        .options(joinedload(Notification.actor))
        .where(Notification.user_id == user.id, permissions.visible_notifications(user))
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if kind:
        query = query.where(Notification.kind == kind)
    query = query.order_by(Notification.read_at.is_not(None), Notification.id.desc())
    return window(
        lambda limit: db.session.scalars(query.limit(limit)).all(), per_page=INBOX_PAGE
    )


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of `user`'s events read (all of them when no id); how many."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now_utc())
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    count = db.session.execute(statement).rowcount
    db.session.commit()
    return count


# --- preferences ----------------------------------------------------------------


def preferences(user: User) -> dict[str, str]:
    """`user`'s channel per kind: their choice, else their role's default."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {
        kind: chosen.get(kind) or default_channel(user.role, kind) for kind in KINDS
    }


def lead_times(user: User) -> dict[str, int]:
    """`user`'s days ahead per deadline kind in the daily digest."""
    chosen = dict(
        db.session.execute(
            select(LeadTime.kind, LeadTime.days).where(LeadTime.user_id == user.id)
        ).all()
    )
    return {kind: chosen.get(kind, LEAD_TIME_DEFAULTS[kind]) for kind in LEAD_KINDS}


def lead_times_of(user_ids: list[int]) -> dict[int, dict[str, int]]:
    """Lead times of many people at once (the digest run: one query)."""
    result = {uid: dict(LEAD_TIME_DEFAULTS) for uid in user_ids}
    rows = db.session.execute(
        select(LeadTime.user_id, LeadTime.kind, LeadTime.days).where(
            LeadTime.user_id.in_(user_ids)
        )
    )
    for user_id, kind, days in rows:
        result[user_id][kind] = days
    return result


def save_preferences(
    user: User, channels: dict[str, str], leads: dict[str, int]
) -> None:
    """Store what differs from the defaults (a default kept stays a default)."""
    rows = {
        p.kind: p
        for p in db.session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id == user.id
            )
        )
    }
    for kind, channel in channels.items():
        if kind in rows:
            rows[kind].channel = channel
        elif channel != default_channel(user.role, kind):
            db.session.add(
                NotificationPreference(user_id=user.id, kind=kind, channel=channel)
            )
    times = {
        t.kind: t
        for t in db.session.scalars(select(LeadTime).where(LeadTime.user_id == user.id))
    }
    for kind, days in leads.items():
        if kind in times:
            times[kind].days = days
        elif days != LEAD_TIME_DEFAULTS[kind]:
            db.session.add(LeadTime(user_id=user.id, kind=kind, days=days))
    db.session.commit()


def set_channel(user: User, kinds: list[str], channel: str) -> None:
    """One-click unsubscribe: these kinds go to `channel` for `user`."""
    save_preferences(user, dict.fromkeys(kinds, channel), {})


# --- reminding those who have not answered ----------------------------------------


@dataclass
class Reminded:
    sent: list[str]  # municipality names reminded now
    skipped: list[str]  # already reminded today


def _already_today(object_type: str, object_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(SentReminder.municipality_id).where(
                SentReminder.object_type == object_type,
                SentReminder.object_id == object_id,
                SentReminder.sent_on == clock.today(),
            )
        )
    )


def remind(obj: Any, municipalities: list, sender: User) -> Reminded:
    """Remind each municipality once today about a round or a call: one event for
    each of its people, and a record of who sent it, when and to whom."""
    object_type = "round" if type(obj).__name__ == "ScoringRound" else "call"
    kind = f"{object_type}_reminder"
    done = _already_today(object_type, obj.id)
    result = Reminded([], [])
    for municipality in municipalities:
        if municipality.id in done:
            result.skipped.append(municipality.name)
            continue
        rows = notify(kind, obj, municipal_users([municipality.id]), actor=sender)
        db.session.add(
            SentReminder(
                object_type=object_type,
                object_id=obj.id,
                municipality_id=municipality.id,
                sender_id=sender.id,
                sent_on=clock.today(),
                sent_at=clock.now_utc(),
                recipients=len(rows),
            )
        )
        result.sent.append(municipality.name)
    db.session.commit()
    return result


def round_laggards(scoring_round) -> list:
    """The municipalities without a complete ballot in an open round."""
    from app.strategy.rounds import matrix

    if scoring_round.status != "open":
        return []
    return [m for m, _answered in matrix(scoring_round).not_complete]


def call_laggards(call) -> list:
    """The municipalities that fit a call and have not applied (the coverage rule)."""
    from app.subsidies.calls import coverage

    return [gap.municipality for gap in coverage(call)]


def reminders_sent(object_type: str, object_id: int, limit: int = 20) -> list:
    """The latest reminders about one round or call (who, when, to whom)."""
    return list(
        db.session.scalars(
            select(SentReminder)
            .options(
                joinedload(SentReminder.municipality), joinedload(SentReminder.sender)
            )
            .where(
                SentReminder.object_type == object_type,
                SentReminder.object_id == object_id,
            )
            .order_by(SentReminder.sent_at.desc(), SentReminder.id.desc())
            .limit(limit)
        )
    )


# --- the daily digest's events ---------------------------------------------------


def digest_events(user_ids: list[int]) -> dict[int, list[Notification]]:
    """The events of the "digest" channel not mailed yet, per person (one query)."""
    result: dict[int, list[Notification]] = {}
    if not user_ids:
        return result
    rows = db.session.scalars(
        select(Notification)
        .where(
            Notification.channel == "digest",
            Notification.mailed_at.is_(None),
            Notification.user_id.in_(user_ids),
        )
        .order_by(Notification.user_id, Notification.id)
    )
    for row in rows:
        result.setdefault(row.user_id, []).append(row)
    return result


def mark_mailed(items: list[Notification]) -> None:
    if not items:
        return
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_([item.id for item in items]))
        .values(mailed_at=clock.now_utc())
    )
    db.session.commit()


def obligation_events() -> int:
    """ "A reporting obligation of yours is due or overdue": once when it comes
    within its owner's lead time, once when it is overdue (open ones only)."""
    from sqlalchemy.orm import joinedload

    from app.subsidies.models import ReportingObligation

    today = clock.today()
    horizon = today + timedelta(days=365)
    obligations = db.session.scalars(
        select(ReportingObligation)
        .options(joinedload(ReportingObligation.application))
        .where(
            ReportingObligation.status == "open", ReportingObligation.due_on <= horizon
        )
        .order_by(ReportingObligation.id)
    ).all()
    owners = {}
    for obligation in obligations:
        owner = obligation.owner or obligation.application.owner
        if owner is not None:
            owners[obligation.id] = owner
    leads = lead_times_of(sorted({o.id for o in owners.values()}))
    count = 0
    for obligation in obligations:
        owner = owners.get(obligation.id)
        if owner is None:
            continue
        due = obligation.due_on
        if due < today:
            key = f"obligation-overdue:{obligation.id}:{due.isoformat()}"
        elif (due - today).days <= leads[owner.id]["obligation"]:
            key = f"obligation-due:{obligation.id}:{due.isoformat()}"
        else:
            continue
        count += len(
            notify(
                "obligation_due",
                obligation.application,
                [owner],
                detail=due.isoformat(),
                dedupe_key=key,
            )
        )
    db.session.commit()
    return count
