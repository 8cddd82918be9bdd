"""Reading the activity log: the filtered list and an object's recent history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import joinedload

from app import clock
from app.activity.models import Activity
from app.auth import permissions
from app.extensions import db
from app.web.params import parse_int
from app.work.models import Task


def _readable(user: Any, query):
    """`visible_activity`, less the entries about tasks `user` may not see (a task
    that prepares a dossier they may not see: its title is the dossier's)."""
    hidden_tasks = select(Task.id).where(not_(permissions.visible_tasks(user)))
    return permissions.visible_activity(user, query).where(
        not_((Activity.entity_type == "task") & Activity.entity_id.in_(hidden_tasks))
    )


@dataclass(frozen=True)
class ActivityFilter:
    actor_id: int | None = None
    entity_type: str | None = None
    municipality_id: int | None = None
    since: date | None = None
    until: date | None = None

    def args(self) -> dict[str, Any]:
        """As the query string of /activity (for links that keep the filters,
        like its Excel download)."""
        values = {
            "who": self.actor_id,
            "kind": self.entity_type,
            "municipality": self.municipality_id,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
        }
        return {k: v for k, v in values.items() if v is not None}


#: The kinds of object the log's "What" filter offers.
ENTITY_TYPES = (
    permissions.PUBLIC_ACTIVITY
    + permissions.MUNICIPAL_ACTIVITY
    + (
        "conversation",
        "user_account",
    )
)


def _date(args: Any, name: str) -> date | None:
    try:
        return date.fromisoformat(args.get(name, ""))
    except ValueError:
        return None


def filters_from(args: Any) -> ActivityFilter:
    """The filters of /activity (and its export) from a query string; anything
    not valid is no filter."""
    kind = args.get("kind")
    return ActivityFilter(
        actor_id=parse_int(args.get("who")),
        entity_type=kind if kind in ENTITY_TYPES else None,
        municipality_id=parse_int(args.get("municipality")),
        since=_date(args, "from"),
        until=_date(args, "to"),
    )


def _of_kind(entity_type: str):
    """Entries about objects of this type; "score" also finds score imports
    (recorded on their round)."""
    condition = Activity.entity_type == entity_type
    if entity_type == "score":
        condition = or_(
            condition,
            and_(Activity.entity_type == "scoring_round", Activity.action == "import"),
        )
    return condition


def activity_query(user: Any, filters: ActivityFilter):
    """Entries `user` may read, newest first, narrowed by `filters`."""
    query = select(Activity).options(joinedload(Activity.actor))
    query = _readable(user, query)
    if filters.actor_id:
        query = query.where(Activity.actor_id == filters.actor_id)
    if filters.entity_type:
        query = query.where(_of_kind(filters.entity_type))
    if filters.municipality_id:
        query = query.where(Activity.municipality_id == filters.municipality_id)
    if filters.since:
        query = query.where(Activity.created_at >= clock.brussels(filters.since))
    if filters.until:
        query = query.where(
            Activity.created_at < clock.brussels(filters.until + timedelta(days=1))
        )
    return query.order_by(Activity.created_at.desc(), Activity.id.desc())


def about(entity: Any):
    """Entries about one object; for a dossier also those about its payments,
    obligations and preparation tasks."""
    condition = and_(
        Activity.entity_type == type(entity).__tablename__,
        Activity.entity_id == entity.id,
    )
    if type(entity).__tablename__ == "application":
        condition = or_(condition, Activity.application_id == entity.id)
    return condition


def recent_for(user: Any, entity: Any, limit: int = 10) -> list[Activity]:
    """The latest entries about one object, as far as `user` may read them."""
    query = select(Activity).options(joinedload(Activity.actor))
    query = _readable(user, query).where(about(entity))
    return list(
        db.session.scalars(
            query.order_by(Activity.created_at.desc(), Activity.id.desc()).limit(limit)
        )
    )


def _concerning(user: Any):
    """SQL condition: entries about `user`'s working groups (led or joined) and
    their tasks, the dossiers of their municipality (the coordinator: those they
    own) and their municipality."""
    from app.subsidies.models import Application
    from app.work.models import group_lead, group_member

    groups = select(group_lead.c.group_id).where(group_lead.c.user_id == user.id)
    groups = groups.union(
        select(group_member.c.group_id).where(group_member.c.user_id == user.id)
    )
    group_tasks = select(Task.id).where(Task.group_id.in_(groups))
    if permissions.is_municipal(user):
        dossiers = select(Application.id).where(
            permissions.involving_municipality(user.municipality_id)
        )
    else:
        dossiers = select(Application.id).where(Application.owner_id == user.id)
    conditions = [
        (Activity.entity_type == "working_group") & Activity.entity_id.in_(groups),
        (Activity.entity_type == "task") & Activity.entity_id.in_(group_tasks),
        Activity.application_id.in_(dossiers),
    ]
    if user.municipality_id is not None:
        conditions.append(Activity.municipality_id == user.municipality_id)
    return or_(*conditions)


@dataclass(frozen=True)
class News:
    """What changed in one's groups, dossiers and municipality since a moment."""

    since: Any  # datetime, or None on a first visit (nothing is new then)
    count: int
    entries: list[Activity]

    @property
    def since_day(self) -> str | None:
        """The day of `since` in Brussels, as /activity's "from" filter takes it."""
        if self.since is None:
            return None
        return self.since.astimezone(clock.BRUSSELS).date().isoformat()


def news_since(user: Any, since: Any, limit: int = 10) -> News:
    """Entries `user` may read, made by others since `since`, about their groups,
    dossiers and municipality: how many, and the newest `limit`. One query (the
    count a window over the same rows); none on a first visit."""
    if since is None:
        return News(since, 0, [])
    query = _readable(user, select(Activity, func.count().over().label("total")))
    rows = db.session.execute(
        query.where(
            Activity.created_at > since,
            _concerning(user),
            or_(Activity.actor_id.is_(None), Activity.actor_id != user.id),
        )
        .options(joinedload(Activity.actor))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
    ).all()
    return News(since, rows[0].total if rows else 0, [row[0] for row in rows])
