"""The pack of a forum meeting: what changed since the forum's previous meeting,
per theme, and the forum's open action points, as its reader may see it.

Every figure is computed by the database (grouped per theme); the lists beside
them are bounded. The page and the workbook read the same `meeting_pack()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from app import clock, readmodel
from app.archive import dossier_in_use, task_in_use
from app.auth import permissions
from app.auth.models import User
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting, MeetingNote
from app.municipalities.models import Municipality
from app.strategy.models import ScoringRound
from app.subsidies.models import Application, Payment
from app.work.models import Rollout, Task, Theme, WorkingGroup

#: Without a previous meeting, the pack looks back this far.
FIRST_LOOK_BACK = timedelta(days=90)
#: The longest list of each kind in a pack (figures count everything).
LIST_LIMIT = 50
GRANTED = ("granted", "reporting", "closed")


@dataclass(frozen=True)
class Window:
    """The period a pack covers: from the day of the forum's previous meeting
    (or FIRST_LOOK_BACK before) to the meeting's day, or today if that is
    earlier; `as_of` is the day overdue is measured on."""

    previous: Meeting | None
    since: date
    as_of: date

    @property
    def start(self) -> datetime:
        return clock.brussels(self.since)

    @property
    def end(self) -> datetime:
        return clock.brussels(self.as_of + timedelta(days=1))

    def moment(self, column: Any) -> Any:
        return and_(column >= self.start, column < self.end)

    def day(self, column: Any) -> Any:
        return and_(column >= self.since, column <= self.as_of)


@dataclass
class ThemeChanges:
    theme_id: int | None
    title: str
    tasks_done: int = 0
    tasks_overdue: int = 0
    new_dossiers: int = 0
    moved_dossiers: int = 0
    rollout_total: int = 0
    granted: Decimal = Decimal("0")
    paid: Decimal = Decimal("0")
    tasks: list = field(default_factory=list)
    rollout: list = field(default_factory=list)
    dossiers: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.tasks_done
            or self.tasks_overdue
            or self.new_dossiers
            or self.moved_dossiers
            or self.paid
            or self.rollout
        )


@dataclass
class Pack:
    meeting: Meeting
    window: Window
    agenda: list[AgendaItem]
    themes: list[ThemeChanges]
    rounds: list[ScoringRound]
    action_points: list[Any]
    shows_dossiers: bool


def theme_titles() -> list[tuple[int, str]]:
    """Every theme's id and title, by title (read model: themes rarely change)."""
    return readmodel.cached(
        "theme_titles",
        "region",
        lambda: [
            (theme_id, title)
            for theme_id, title in db.session.execute(
                select(Theme.id, Theme.title).order_by(Theme.title)
            )
        ],
        reads=("theme",),
    )


def window_of(meeting: Meeting, today: date) -> Window:
    previous = db.session.scalar(
        select(Meeting)
        .where(Meeting.forum_id == meeting.forum_id, Meeting.held_on < meeting.held_on)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(1)
    )
    since = previous.held_on if previous else meeting.held_on - FIRST_LOOK_BACK
    return Window(previous, since, min(meeting.held_on, today))


def agenda(meeting: Meeting, user: Any) -> list[AgendaItem]:
    """The agenda items `user` may read, in order."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .options(
                joinedload(AgendaItem.theme),
                joinedload(AgendaItem.application),
                joinedload(AgendaItem.call),
                joinedload(AgendaItem.thread),
            )
            .where(
                AgendaItem.meeting_id == meeting.id, permissions.agenda_condition(user)
            )
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def task_figures(window: Window, user: Any) -> dict[int | None, tuple[int, int]]:
    """Per theme: tasks done within the window, and tasks overdue on its last day."""
    done = and_(Task.status == "done", window.moment(Task.updated_at))
    overdue = and_(Task.status != "done", Task.due_on < window.as_of)
    query = (
        select(
            WorkingGroup.theme_id,
            func.sum(case((done, 1), else_=0)),
            func.sum(case((overdue, 1), else_=0)),
        )
        .select_from(Task)
        .outerjoin(WorkingGroup, Task.group_id == WorkingGroup.id)
        .where(permissions.visible_tasks(user), task_in_use(), or_(done, overdue))
        .group_by(WorkingGroup.theme_id)
    )
    return {theme: (d or 0, o or 0) for theme, d, o in db.session.execute(query)}


def task_list(window: Window, user: Any) -> list[Any]:
    """The tasks done within the window and those overdue, bounded."""
    done = and_(Task.status == "done", window.moment(Task.updated_at))
    overdue = and_(Task.status != "done", Task.due_on < window.as_of)
    assignee = aliased(User)
    query = (
        select(
            WorkingGroup.theme_id.label("theme_id"),
            Task.id,
            Task.title,
            Task.status,
            Task.due_on,
            Task.group_id,
            WorkingGroup.name.label("group"),
            assignee.full_name.label("assignee"),
            case((done, literal("done")), else_=literal("overdue")).label("change"),
        )
        .select_from(Task)
        .outerjoin(WorkingGroup, Task.group_id == WorkingGroup.id)
        .outerjoin(assignee, Task.assignee_id == assignee.id)
        .where(permissions.visible_tasks(user), task_in_use(), or_(done, overdue))
        .order_by(Task.due_on, Task.id)
        .limit(LIST_LIMIT)
    )
    return list(db.session.execute(query))


def rollout_moves(window: Window) -> list[Any]:
    """Rollout rows whose stage or note was set within the window (regional):
    at most LIST_LIMIT per theme, each row with its theme's full count."""
    ranked = (
        select(
            Rollout.theme_id,
            Municipality.name.label("municipality"),
            Rollout.stage,
            Rollout.updated_at,
            func.row_number()
            .over(partition_by=Rollout.theme_id, order_by=Municipality.name)
            .label("position"),
            func.count().over(partition_by=Rollout.theme_id).label("theme_total"),
        )
        .join(Municipality, Rollout.municipality_id == Municipality.id)
        .where(window.moment(Rollout.updated_at))
        .subquery()
    )
    query = (
        select(ranked)
        .where(ranked.c.position <= LIST_LIMIT)
        .order_by(ranked.c.theme_id, ranked.c.position)
    )
    return list(db.session.execute(query))


def _dossier_changes(window: Window):
    """(new, decided, moved, changed, paid): SQL of a dossier's changes within
    the window; `paid` is what was paid on it within the window."""
    new = window.moment(Application.created_at)
    decided = and_(Application.status.in_(GRANTED), window.day(Application.decided_on))
    moved = and_(~new, window.moment(Application.updated_at))
    paid_in_window = select(Payment.application_id).where(window.day(Payment.paid_on))
    changed = or_(new, moved, decided, Application.id.in_(paid_in_window))
    paid = (
        select(func.coalesce(func.sum(Payment.amount), 0))
        .where(Payment.application_id == Application.id, window.day(Payment.paid_on))
        .scalar_subquery()
    )
    return new, decided, moved, changed, paid


def dossier_figures(window: Window, user: Any) -> dict[int | None, tuple]:
    """Per theme, over the dossiers `user` may open: new ones, changed ones, the
    amount granted and the amount paid within the window."""
    new, decided, moved, changed, paid = _dossier_changes(window)
    query = permissions.visible_applications(
        user,
        select(
            Application.theme_id,
            func.sum(case((new, 1), else_=0)),
            func.sum(case((moved, 1), else_=0)),
            func.sum(case((decided, Application.granted_amount), else_=0)),
            func.sum(paid),
        )
        .where(dossier_in_use(), changed)
        .group_by(Application.theme_id),
    )
    return {
        theme: (n or 0, m or 0, Decimal(g or 0), Decimal(p or 0))
        for theme, n, m, g, p in db.session.execute(query)
    }


def dossier_list(window: Window, user: Any) -> list[Any]:
    """The dossiers `user` may open that are new, moved, decided or paid in the
    window, bounded."""
    new, _decided, _moved, changed, paid = _dossier_changes(window)
    query = permissions.visible_applications(
        user,
        select(
            Application.theme_id,
            Application.id,
            Application.reference,
            Application.title,
            Application.status,
            Application.granted_amount,
            paid.label("paid"),
            case((new, literal("new")), else_=literal("moved")).label("change"),
        )
        .where(dossier_in_use(), changed)
        .order_by(Application.updated_at.desc(), Application.id)
        .limit(LIST_LIMIT),
    )
    return list(db.session.execute(query))


def rounds_in(window: Window, user: Any) -> list[ScoringRound]:
    """Scoring rounds that opened or closed within the window."""
    query = select(ScoringRound).where(
        or_(window.day(ScoringRound.opens_on), window.day(ScoringRound.closes_on))
    )
    if not permissions.can_view_draft_rounds(user):
        query = query.where(ScoringRound.status != "draft")
    return list(db.session.scalars(query.order_by(ScoringRound.closes_on).limit(10)))


def open_action_points(meeting: Meeting) -> list[Any]:
    """The forum's action points up to this meeting that are not done: without
    a task yet, or whose task is not done."""
    assignee = aliased(User)
    query = (
        select(
            MeetingNote.id,
            MeetingNote.text,
            Meeting.id.label("meeting_id"),
            Meeting.held_on,
            Task.id.label("task_id"),
            Task.status,
            Task.due_on,
            Task.group_id,
            assignee.full_name.label("assignee"),
        )
        .join(Meeting, MeetingNote.meeting_id == Meeting.id)
        .outerjoin(Task, MeetingNote.task_id == Task.id)
        .outerjoin(assignee, Task.assignee_id == assignee.id)
        .where(
            Meeting.forum_id == meeting.forum_id,
            Meeting.held_on <= meeting.held_on,
            MeetingNote.kind == "action",
            or_(Task.id.is_(None), Task.status != "done"),
        )
        .order_by(Meeting.held_on, MeetingNote.id)
        .limit(LIST_LIMIT)
    )
    return list(db.session.execute(query))


def meeting_pack(meeting: Meeting, user: Any, today: date | None = None) -> Pack:
    """Everything of a meeting's pack for `user`, in a fixed number of queries."""
    window = window_of(meeting, today or clock.today())
    shows_dossiers = permissions.can_view_applications(user)
    themes = {
        theme_id: ThemeChanges(theme_id, title) for theme_id, title in theme_titles()
    }

    def bucket(theme_id: int | None) -> ThemeChanges:
        if theme_id not in themes:
            themes[theme_id] = ThemeChanges(None, "")
        return themes[theme_id]

    for theme_id, (done, overdue) in task_figures(window, user).items():
        bucket(theme_id).tasks_done, bucket(theme_id).tasks_overdue = done, overdue
    for row in task_list(window, user):
        bucket(row.theme_id).tasks.append(row)
    for row in rollout_moves(window):
        bucket(row.theme_id).rollout.append(row)
        bucket(row.theme_id).rollout_total = row.theme_total
    if shows_dossiers:
        for theme_id, figures in dossier_figures(window, user).items():
            changes = bucket(theme_id)
            (
                changes.new_dossiers,
                changes.moved_dossiers,
                changes.granted,
                changes.paid,
            ) = figures
        for row in dossier_list(window, user):
            bucket(row.theme_id).dossiers.append(row)
    return Pack(
        meeting=meeting,
        window=window,
        agenda=agenda(meeting, user),
        themes=list(themes.values()),
        rounds=rounds_in(window, user),
        action_points=open_action_points(meeting),
        shows_dossiers=shows_dossiers,
    )
