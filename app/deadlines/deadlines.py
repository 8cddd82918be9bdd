"""Deadlines: the one function that says what is due, for whom, and how urgent.

Deadlines are task due dates, call deadlines, application submission targets
(the call deadline of an application still in idea/preparation) and reporting
dues (open obligations of granted applications). Each is classified in Brussels
time: overdue (the day passed and the item is not done), this week (today up to
7 days ahead), the next 30 days (8 to 30 days ahead: labelled "Next 30 days",
not "this month", as it is no calendar month) or later. Finished items (done
tasks, submitted applications, fulfilled obligations, passed calls) are not
deadlines any more. The dashboards, /deadlines, calendar feeds, reminders and
exports all use `deadlines()`.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    cast,
    false,
    literal_column,
    null,
    or_,
    select,
    union,
    union_all,
)

from app import clock
from app.archive import dossier_in_use, not_archived, task_in_use
from app.auth import permissions
from app.extensions import db
from app.municipalities.models import Municipality
from app.subsidies.models import (
    Application,
    ReportingObligation,
    SubsidyCall,
)
from app.work.models import Task, WorkingGroup, group_lead

CATEGORIES = ("overdue", "week", "month", "later")
KINDS = ("task", "call", "application", "obligation")
WEEK_DAYS = 7
MONTH_DAYS = 30


@dataclass(frozen=True)
class Deadline:
    kind: str  # task | call | application | obligation
    item_id: int
    title: str
    due: date  # the Brussels date
    at: datetime | None  # the moment, when the item has a time (calls)
    category: str
    endpoint: str
    values: tuple[tuple[str, Any], ...]
    municipality: str | None = None
    context: str = ""  # group, call or application it belongs to
    # When the item was made and last changed, and by whom (a task's or a
    # dossier's; None for calls and obligations): "new since your last visit".
    created_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by_id: int | None = None

    @property
    def uid(self) -> str:
        """Stable across requests: the calendar UID of this deadline."""
        return f"{self.kind}-{self.item_id}@midwest-tracker"

    @property
    def days_left(self) -> int:
        return (self.due - clock.today()).days


def is_overdue(item: Task | ReportingObligation, today: date) -> bool:
    """The overdue rule of a task or an obligation (the Jinja test `overdue`)."""
    if isinstance(item, ReportingObligation):
        return item.status == "open" and item.due_on < today
    from app.work.tasks import is_overdue as task_is_overdue

    return task_is_overdue(item, today)


def classify(due: date, today: date) -> str:
    """overdue / week / month / later for a not-done item due on `due`."""
    days = (due - today).days
    if days < 0:
        return "overdue"
    if days <= WEEK_DAYS:
        return "week"
    if days <= MONTH_DAYS:
        return "month"
    return "later"


@dataclass(frozen=True)
class Scope:
    """Whose deadlines: a user's own, a municipality's, or the whole region.

    `viewer` is who looks; what they may not see is left out whatever the scope.
    """

    viewer: Any
    user: Any = None
    municipality_id: int | None = None


def _task_query(scope: Scope):
    query = (
        select(
            Task.id,
            Task.title,
            Task.due_on,
            Task.group_id,
            Municipality.name.label("municipality"),
            WorkingGroup.name.label("group"),
        )
        .outerjoin(Municipality, Municipality.id == Task.municipality_id)
        .outerjoin(WorkingGroup, WorkingGroup.id == Task.group_id)
        .where(
            Task.status != "done",
            Task.due_on.is_not(None),
            permissions.visible_tasks(scope.viewer),
            task_in_use(),
        )
    )
    if scope.user is not None and not permissions.is_coordinator(scope.user):
        led = select(group_lead.c.group_id).where(group_lead.c.user_id == scope.user.id)
        conditions = [Task.assignee_id == scope.user.id, Task.group_id.in_(led)]
        if permissions.is_municipal(scope.user):
            conditions.append(Task.municipality_id == scope.user.municipality_id)
        # Their tasks by id, each kind from its own index: as one OR, SQLite read
        # every task of no dossier (the visibility rule's OR) to find a lead's few.
        theirs = union(*(select(Task.id).where(c) for c in conditions))
        query = query.where(Task.id.in_(theirs))
    if scope.municipality_id is not None:
        from app.auth.models import User

        staff = select(User.id).where(User.municipality_id == scope.municipality_id)
        query = query.where(
            or_(
                Task.municipality_id == scope.municipality_id,
                Task.assignee_id.in_(staff),
            )
        )
    return query


def _application_filter(scope: Scope, query):
    query = permissions.visible_applications(scope.viewer, query)
    if scope.municipality_id is not None or (
        scope.user is not None and permissions.is_municipal(scope.user)
    ):
        municipality_id = scope.municipality_id or scope.user.municipality_id
        query = query.where(permissions.involving_municipality(municipality_id))
    elif scope.user is not None and not permissions.is_coordinator(scope.user):
        query = query.where(Application.owner_id == scope.user.id)
    return query


def _brussels_day(moment: datetime) -> date:
    return moment.astimezone(clock.BRUSSELS).date()


def _until_moment(until: date) -> datetime:
    """The first moment after the day `until` ends in Brussels."""
    return clock.brussels(until + timedelta(days=1))


def _category_days(today: date) -> dict[str, tuple[date | None, date | None]]:
    """The first and last due day of each category (None: open-ended), as
    `classify` draws them."""
    return {
        "overdue": (None, today - timedelta(days=1)),
        "week": (today, today + timedelta(days=WEEK_DAYS)),
        "month": (
            today + timedelta(days=WEEK_DAYS + 1),
            today + timedelta(days=MONTH_DAYS),
        ),
        "later": (today + timedelta(days=MONTH_DAYS + 1), None),
    }


def _due_days(
    column: Any,
    today: date,
    until: date | None,
    categories: tuple[str, ...],
    *,
    moment: bool = False,
) -> list[Any]:
    """SQL conditions: the due day in `column` is at most `until` and in one of
    `categories`. With `moment`, the column is a moment read as its Brussels day.
    In each source's query, so that its limit counts only what the list shows."""

    def from_day(day: date) -> Any:
        return column >= (clock.brussels(day) if moment else day)

    def to_day(day: date) -> Any:
        return column < _until_moment(day) if moment else column <= day

    conditions = []
    if until is not None:
        conditions.append(to_day(until))
    if set(CATEGORIES) - set(categories):
        days = _category_days(today)
        ranges = [
            and_(
                *([from_day(first)] if first else []),
                *([to_day(last)] if last else []),
            )
            for first, last in (days[c] for c in CATEGORIES if c in categories)
        ]
        conditions.append(or_(*ranges) if ranges else false())
        # The whole span as a plain range too: an index on the due day reads
        # only that span (the OR of ranges alone reads from the oldest day).
        firsts = [days[c][0] for c in categories if c in days]
        if firsts and None not in firsts:
            conditions.append(from_day(min(firsts)))
    return conditions


# Each kind's query selects the same columns, so that several lists of several
# kinds can be read in one statement (`deadline_lists`): the day (or, for a call
# or an application, the moment) it is due, and what the link and the context
# need (`_deadline` makes a Deadline of a row).
_NO_DAY = cast(null(), Task.due_on.type)
_NO_MOMENT = cast(null(), SubsidyCall.deadline_at.type)
_NO_TEXT = cast(null(), String)
_NO_ID = cast(null(), Integer)


def _no_changes() -> tuple[Any, ...]:
    """The change columns of a kind whose rows keep no change times."""
    return (
        _NO_MOMENT.label("created_at"),
        _NO_MOMENT.label("updated_at"),
        _NO_ID.label("updated_by_id"),
    )


def _tasks(
    scope: Scope,
    today: date,
    until: date | None,
    categories: tuple[str, ...],
    limit: int | None,
):
    query = _task_query(scope).with_only_columns(
        literal_column("'task'").label("kind"),
        Task.id,
        Task.title,
        Task.due_on.label("due_on"),
        _NO_MOMENT.label("due_at"),
        Task.group_id.label("ref_id"),
        Municipality.name.label("municipality"),
        WorkingGroup.name.label("context"),
        Task.created_at.label("created_at"),
        Task.updated_at.label("updated_at"),
        Task.updated_by_id.label("updated_by_id"),
        maintain_column_froms=True,
    )
    query = query.where(*_due_days(Task.due_on, today, until, categories))
    return query.order_by(Task.due_on, Task.id).limit(limit)


def _calls(
    scope: Scope,
    today: date,
    until: date | None,
    categories: tuple[str, ...],
    limit: int | None,
):
    query = select(
        literal_column("'call'").label("kind"),
        SubsidyCall.id,
        SubsidyCall.title,
        _NO_DAY.label("due_on"),
        SubsidyCall.deadline_at.label("due_at"),
        SubsidyCall.id.label("ref_id"),
        _NO_TEXT.label("municipality"),
        SubsidyCall.funder.label("context"),
        *_no_changes(),
    ).where(
        SubsidyCall.deadline_at > clock.now_utc(),
        not_archived(SubsidyCall),
        *_due_days(SubsidyCall.deadline_at, today, until, categories, moment=True),
    )
    return query.order_by(SubsidyCall.deadline_at, SubsidyCall.id).limit(limit)


def _applications(
    scope: Scope,
    today: date,
    until: date | None,
    categories: tuple[str, ...],
    limit: int | None,
):
    query = (
        select(
            literal_column("'application'").label("kind"),
            Application.id,
            Application.title,
            _NO_DAY.label("due_on"),
            SubsidyCall.deadline_at.label("due_at"),
            Application.id.label("ref_id"),
            Municipality.name.label("municipality"),
            _NO_TEXT.label("context"),
            Application.created_at.label("created_at"),
            Application.updated_at.label("updated_at"),
            Application.updated_by_id.label("updated_by_id"),
        )
        .select_from(Application)
        .join(SubsidyCall, SubsidyCall.id == Application.call_id)
        .join(Municipality, Municipality.id == Application.lead_municipality_id)
        .where(
            Application.status.in_(("idea", "preparing")),
            dossier_in_use(),
            *_due_days(SubsidyCall.deadline_at, today, until, categories, moment=True),
        )
    )
    query = _application_filter(scope, query)
    return query.order_by(SubsidyCall.deadline_at, Application.id).limit(limit)


def _obligations(
    scope: Scope,
    today: date,
    until: date | None,
    categories: tuple[str, ...],
    limit: int | None,
):
    query = (
        select(
            literal_column("'obligation'").label("kind"),
            ReportingObligation.id,
            ReportingObligation.title,
            ReportingObligation.due_on.label("due_on"),
            _NO_MOMENT.label("due_at"),
            ReportingObligation.application_id.label("ref_id"),
            Municipality.name.label("municipality"),
            Application.title.label("context"),
            *_no_changes(),
        )
        .join(Application, Application.id == ReportingObligation.application_id)
        .join(Municipality, Municipality.id == Application.lead_municipality_id)
        .where(
            ReportingObligation.status == "open",
            dossier_in_use(),
            *_due_days(ReportingObligation.due_on, today, until, categories),
        )
    )
    query = _application_filter(scope, query)
    return query.order_by(ReportingObligation.due_on, ReportingObligation.id).limit(
        limit
    )


#: Per kind: the page a deadline links to, and that page's argument.
_LINKS = {
    "task": ("work.group", "group_id"),
    "call": ("subsidies.call", "call_id"),
    "application": ("subsidies.application", "application_id"),
    "obligation": ("subsidies.application", "application_id"),
}


def _deadline(row: Any, today: date) -> Deadline:
    """A Deadline of one row of a kind's query."""
    due = row.due_on if row.due_at is None else _brussels_day(row.due_at)
    endpoint, argument = _LINKS[row.kind]
    values: tuple[tuple[str, Any], ...] = ((argument, row.ref_id),)
    if row.kind == "task" and row.ref_id is None:  # a task of no group
        endpoint, values = "work.tasks", ()
    return Deadline(
        row.kind,
        row.id,
        row.title,
        due,
        row.due_at,
        classify(due, today),
        endpoint,
        values,
        row.municipality,
        row.context or "",
        row.created_at,
        row.updated_at,
        row.updated_by_id,
    )


SOURCES = {
    "task": _tasks,
    "call": _calls,
    "application": _applications,
    "obligation": _obligations,
}
PRIVATE_KINDS = ("application", "obligation")  # applications' visibility rules


def _queries(
    scope: Scope,
    today: date,
    within_days: int | None,
    kinds: tuple[str, ...],
    categories: tuple[str, ...],
    limit: int | None,
) -> list[Any]:
    """One query per kind asked for that `scope.viewer` may see."""
    until = today + timedelta(days=within_days) if within_days is not None else None
    return [
        SOURCES[kind](scope, today, until, categories, limit)
        for kind in KINDS
        if kind in kinds
        and (
            kind not in PRIVATE_KINDS or permissions.can_view_applications(scope.viewer)
        )
    ]


def _merged(
    sources: list[list[Deadline]], categories: tuple[str, ...], limit: int | None
) -> list[Deadline]:
    merged = heapq.merge(*sources, key=lambda d: (d.due, d.kind, d.item_id))
    return [d for d in merged if d.category in categories][:limit]


def deadlines(
    scope: Scope,
    *,
    within_days: int | None = None,
    kinds: tuple[str, ...] = KINDS,
    categories: tuple[str, ...] = CATEGORIES,
    limit: int | None = 500,
) -> list[Deadline]:
    """The deadlines of `scope`, soonest first (overdue ones first of all).

    `within_days` keeps overdue items and those due within that many days;
    `categories` keeps those of these categories. Both are conditions of each
    kind's query, before its limit: a limit never hides an item asked for.
    `limit` None: every deadline (an export reads them all).
    A bounded number of queries (one per kind), whatever the data size.
    """
    today = clock.today()
    queries = _queries(scope, today, within_days, kinds, categories, limit)
    sources = [[_deadline(r, today) for r in db.session.execute(q)] for q in queries]
    return _merged(sources, categories, limit)


def deadline_lists(scope: Scope, **lists: dict[str, Any]) -> dict[str, list[Deadline]]:
    """Several lists of `deadlines(scope, **arguments)` (a name each) read in one
    statement: every kind of every list, each with its own limit, in one UNION
    ALL. The same items, in the same order, as `deadlines` gives each list."""
    today = clock.today()
    parts, asked = [], {}
    for number, (name, arguments) in enumerate(lists.items()):
        options = {
            "within_days": None,
            "kinds": KINDS,
            "categories": CATEGORIES,
            "limit": 500,
        } | arguments
        asked[name] = options
        for query in _queries(
            scope,
            today,
            options["within_days"],
            options["kinds"],
            options["categories"],
            options["limit"],
        ):
            query = query.add_columns(literal_column(str(number)).label("list"))
            parts.append(select(query.subquery()))
    names = list(lists)
    rows: dict[str, dict[str, list[Deadline]]] = {name: {} for name in lists}
    if parts:
        for row in db.session.execute(union_all(*parts)):
            name = names[row.list]
            rows[name].setdefault(row.kind, []).append(_deadline(row, today))
    return {
        name: _merged(
            list(rows[name].values()), asked[name]["categories"], asked[name]["limit"]
        )
        for name in lists
    }


def grouped(items: list[Deadline]) -> dict[str, list[Deadline]]:
    """Deadlines per category, in the order of CATEGORIES."""
    result: dict[str, list[Deadline]] = {category: [] for category in CATEGORIES}
    for item in items:
        result[item.category].append(item)
    return result
