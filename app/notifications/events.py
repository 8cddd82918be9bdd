"""Who gets which event: following, preferences, and the receivers of the
domain signals (app/signals.py). Events are rows; no mail leaves from here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select

from app import clock, signals
from app.activity.log import label_of
from app.auth import permissions
from app.auth.models import MUNICIPAL_ROLES, User
from app.extensions import db
from app.notifications.kinds import default_channel
from app.notifications.models import Follow, Notification, NotificationPreference

#: The object type of each commentable or followable model.
_TYPES = {
    "Application": "application",
    "Task": "task",
    "WorkingGroup": "group",
    "SubsidyCall": "call",
    "Thread": "thread",
    "ScoringRound": "round",
}


def object_type_of(obj: Any) -> str:
    return _TYPES[type(obj).__name__]


# --- who ---------------------------------------------------------------------------


def municipal_users(municipality_ids: Iterable[int]) -> list[User]:
    """The active leads and municipality users of these municipalities."""
    ids = sorted({i for i in municipality_ids if i is not None})
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active,
                User.role.in_(MUNICIPAL_ROLES),
                User.municipality_id.in_(ids),
            )
            .order_by(User.id)
        )
    )


def involved(object_type: str, obj: Any) -> list[User]:
    """Who follows an object without asking: a dossier's owner and the people of
    its lead and partner municipalities; a task's assignee and its group's leads;
    a group's leads and members."""
    if object_type == "application":
        people = municipal_users(
            [obj.lead_municipality_id, *(p.municipality_id for p in obj.partners)]
        )
        owner = db.session.get(User, obj.owner_id) if obj.owner_id else None
        return [owner, *people] if owner is not None else people
    if object_type == "task":
        # By id: a save may have changed the id after the relationship loaded.
        leads = list(obj.group.leads) if obj.group is not None else []
        assignee = db.session.get(User, obj.assignee_id) if obj.assignee_id else None
        return [assignee, *leads] if assignee is not None else leads
    if object_type == "group":
        return [*obj.leads, *obj.members]
    return []


def _choices(object_type: str, object_id: int) -> dict[int, bool]:
    return _choices_of(object_type, [object_id]).get(object_id, {})


def _choices_of(object_type: str, object_ids: list[int]) -> dict[int, dict[int, bool]]:
    """Each object's recorded choices {user id: following}, in one query."""
    chosen: dict[int, dict[int, bool]] = {}
    rows = db.session.execute(
        select(Follow.object_id, Follow.user_id, Follow.following).where(
            Follow.object_type == object_type, Follow.object_id.in_(object_ids)
        )
    )
    for object_id, user_id, following in rows:
        chosen.setdefault(object_id, {})[user_id] = following
    return chosen


def followers(object_type: str, obj: Any) -> list[User]:
    """Who follows an object: the people involved who did not unfollow it, and
    everyone who chose to follow it (still subject to who may see it)."""
    return followers_of(object_type, [obj])[obj.id]


def followers_of(object_type: str, objs: list[Any]) -> dict[int, list[User]]:
    """`followers` of several objects of one type, in a fixed number of queries."""
    chosen = _choices_of(object_type, [obj.id for obj in objs])
    extra = {uid for choices in chosen.values() for uid, on in choices.items() if on}
    people = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(extra)))}
        if extra
        else {}
    )
    result = {}
    for obj in objs:
        mine = chosen.get(obj.id, {})
        found = {
            u.id: u
            for u in involved(object_type, obj)
            if u is not None and mine.get(u.id, True) is True
        }
        found.update(
            (uid, people[uid]) for uid, on in mine.items() if on and uid in people
        )
        result[obj.id] = [
            u for u in found.values() if permissions.can_see_object(u, object_type, obj)
        ]
    return result


def is_following(user: User, object_type: str, obj: Any) -> bool:
    """Whether `user` follows the object (their choice, else whether involved)."""
    choice = db.session.scalar(
        select(Follow.following).where(
            Follow.user_id == user.id,
            Follow.object_type == object_type,
            Follow.object_id == obj.id,
        )
    )
    if choice is not None:
        return choice
    return is_involved(user, object_type, obj)


def is_involved(user: User, object_type: str, obj: Any) -> bool:
    """`involved` for one person, from what the page has loaded already."""
    if object_type == "application":
        ids = {obj.lead_municipality_id, *(p.municipality_id for p in obj.partners)}
        return obj.owner_id == user.id or (
            user.role in MUNICIPAL_ROLES and user.municipality_id in ids
        )
    if object_type == "task":
        leads = obj.group.leads if obj.group is not None else []
        return obj.assignee_id == user.id or any(u.id == user.id for u in leads)
    if object_type == "group":
        return any(u.id == user.id for u in (*obj.leads, *obj.members))
    return False


def set_following(user: User, object_type: str, obj: Any, following: bool) -> None:
    """Record `user`'s choice to follow or stop following an object."""
    row = db.session.scalar(
        select(Follow).where(
            Follow.user_id == user.id,
            Follow.object_type == object_type,
            Follow.object_id == obj.id,
        )
    )
    if row is None:
        row = Follow(user_id=user.id, object_type=object_type, object_id=obj.id)
        db.session.add(row)
    row.following = following


# --- how -------------------------------------------------------------------------


def channels(users: list[User], kind: str) -> dict[int, str]:
    """Each person's channel for `kind`: their choice, else their role's default."""
    chosen = dict(
        db.session.execute(
            select(
                NotificationPreference.user_id, NotificationPreference.channel
            ).where(
                NotificationPreference.kind == kind,
                NotificationPreference.user_id.in_([u.id for u in users]),
            )
        ).all()
    )
    return {u.id: chosen.get(u.id) or default_channel(u.role, kind) for u in users}


def notify(
    kind: str,
    obj: Any,
    users: Iterable[User | None],
    *,
    actor: Any = None,
    detail: str = "",
    dedupe_key: str | None = None,
) -> list[dict]:
    """Store the event `kind` about `obj` for each of `users` who may see `obj`
    (never for the one who did it), through each one's channel."""
    return notify_each(kind, [(obj, users, detail)], actor=actor, dedupe_key=dedupe_key)


def notify_each(
    kind: str,
    items: Iterable[tuple[Any, Iterable[User | None], str]],
    *,
    actor: Any = None,
    dedupe_key: str | None = None,
) -> list[dict]:
    """`notify` for several objects at once ((obj, users, detail) each): one
    query for everyone's channel, whatever the number of objects (a batch)."""
    actor_id = getattr(actor, "id", None)
    wanted: list[tuple[Any, str, dict[int, User]]] = []
    for obj, users, detail in items:
        object_type = object_type_of(obj)
        mine: dict[int, User] = {}
        for user in users:
            if user is None or user.id == actor_id or user.id in mine:
                continue
            if permissions.can_see_object(user, object_type, obj):
                mine[user.id] = user
        if mine:
            wanted.append((obj, detail, mine))
    if not wanted:
        return []
    if dedupe_key is not None:
        done = set(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.dedupe_key == dedupe_key,
                    Notification.user_id.in_(
                        [uid for _o, _d, mine in wanted for uid in mine]
                    ),
                )
            )
        )
        for _obj, _detail, mine in wanted:
            for user_id in done:
                mine.pop(user_id, None)
    everyone = {uid: u for _o, _d, mine in wanted for uid, u in mine.items()}
    if not everyone:
        return []
    chosen = channels(list(everyone.values()), kind)
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "object_type": object_type_of(obj),
            "object_id": obj.id,
            "title": label_of(obj)[:300],
            "detail": str(detail)[:300],
            "actor_id": actor_id,
            "channel": chosen[user_id],
            "dedupe_key": dedupe_key,
            "created_at": clock.now_utc(),
        }
        for obj, detail, mine in wanted
        for user_id in mine
        if chosen[user_id] != "off"
    ]
    if rows:  # one INSERT for them all, however many
        db.session.execute(insert(Notification), rows)
    return rows


# --- receivers of the domain signals ---------------------------------------------


def task_events(saved: list[tuple[Any, dict]], actor: Any) -> None:
    """The events of tasks saved ((task, changes) each, `changes` as
    app.activity.log.diff gives them): "task_assigned" to a new assignee, else
    "task_due" to the assignee when the due date moved; "task_status" to the
    task's followers. One task or a batch: the same events, in a fixed number
    of queries."""
    # By id: the form (or the batch's UPDATE) set assignee_id; the relationship
    # may still hold the old one. New values from `changes`: a batch wrote them
    # by SQL, the objects may still hold the old ones.
    told = [(t, c) for t, c in saved if "assignee_id" in c or "due_on" in c]
    ids = {t.assignee_id for t, _c in told if t.assignee_id is not None}
    people = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    assigned, due = [], []
    for task, changes in told:
        assignee = people.get(task.assignee_id)
        if "assignee_id" in changes and assignee is not None:
            assigned.append((task, [assignee], ""))
        elif "due_on" in changes and changes["due_on"][1] is not None:
            due.append((task, [assignee], str(changes["due_on"][1])))
    notify_each("task_assigned", assigned, actor=actor)
    notify_each("task_due", due, actor=actor)
    moved = [(t, c["status"][1]) for t, c in saved if "status" in c]
    if moved:
        following = followers_of("task", [t for t, _s in moved])
        notify_each(
            "task_status",
            [(t, following[t.id], status) for t, status in moved],
            actor=actor,
        )


@signals.task_saved.connect
def _task_saved(task, changes: dict, created: bool, actor: Any, **_: Any) -> None:
    # A new task's status is no change of status.
    if created:
        changes = {k: v for k, v in changes.items() if k != "status"}
    task_events([(task, changes)], actor)


@signals.tasks_reassigned.connect
def _tasks_reassigned(actor: Any, tasks: list, assignee: int, **_: Any) -> None:
    task_events([(t, {"assignee_id": [None, assignee]}) for t in tasks], actor)


@signals.tasks_changed.connect
def _tasks_changed(actor: Any, changes: list, **_: Any) -> None:
    task_events(changes, actor)


@signals.dossier_changed.connect
def _dossier_changed(application, what: str, actor: Any, detail: str = "", **_):
    notify(
        f"dossier_{what}",
        application,
        followers("application", application),
        actor=actor,
        detail=detail,
    )


@signals.call_opened.connect
def _call_opened(call, actor: Any, **_: Any) -> None:
    from app.subsidies.calls import coverage

    gaps = coverage(call)
    notify(
        "call_fits",
        call,
        municipal_users(gap.municipality.id for gap in gaps),
        actor=actor,
        dedupe_key=f"call-fits:{call.id}:{call.deadline_at:%Y%m%d}",
    )


@signals.round_opened.connect
def _round_opened(scoring_round, actor: Any, **_: Any) -> None:
    from app.strategy.rounds import ballot_municipalities

    municipalities = ballot_municipalities(scoring_round)
    notify(
        "round_open",
        scoring_round,
        municipal_users(m.id for m in municipalities if m.is_active),
        actor=actor,
    )


@signals.comment_posted.connect
def _comment_posted(comment, target, mentioned, edited: bool = False, **_: Any):
    """N2's comments: "mentioned" for the mentioned (once per comment), and for a
    new comment "comment" for the target's other followers; the author follows
    the target from then on (unless they chose not to)."""
    object_type = object_type_of(target)
    author = getattr(comment, "author", None)
    if author is None and getattr(comment, "author_id", None) is not None:
        author = db.session.get(User, comment.author_id)
    notify(
        "mentioned",
        target,
        mentioned,
        actor=author,
        dedupe_key=f"mention:{comment.id}",
    )
    if edited:
        return
    named = {u.id for u in mentioned}
    notify(
        "comment",
        target,
        [u for u in followers(object_type, target) if u.id not in named],
        actor=author,
    )
    if author is not None and author.id not in _choices(object_type, target.id):
        set_following(author, object_type, target, True)
