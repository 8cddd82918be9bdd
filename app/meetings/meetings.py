"""Forum meetings: lists, planning, minutes, and action points made tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, union, update
from sqlalchemy.orm import joinedload

from app import readmodel, signals
from app.activity.log import record
from app.auth.models import User
from app.extensions import db
from app.meetings.models import AgendaItem, Forum, Meeting, MeetingNote, forum_member
from app.work.models import Task, WorkingGroup, group_lead, group_member

#: Meetings listed per part of a page (upcoming, past, a municipality's).
MEETINGS_SHOWN = 20


def load_meeting(meeting_id: int) -> Meeting:
    return db.get_or_404(Meeting, meeting_id, options=[joinedload(Meeting.forum)])


def meeting_list(today: date) -> dict[str, list[Meeting]]:
    """The next and the latest meetings of every forum, bounded."""
    base = select(Meeting).options(joinedload(Meeting.forum))
    upcoming = base.where(Meeting.held_on >= today).order_by(Meeting.held_on)
    past = base.where(Meeting.held_on < today).order_by(Meeting.held_on.desc())
    return {
        "upcoming": list(db.session.scalars(upcoming.limit(MEETINGS_SHOWN))),
        "past": list(db.session.scalars(past.limit(MEETINGS_SHOWN))),
    }


def forums() -> list[Forum]:
    return list(db.session.scalars(select(Forum).order_by(Forum.name)))


def member_forums(user_id: int) -> Any:
    """SELECT of the ids of the forums `user_id` is a member of: listed as one,
    or leading or in the working group of a thematic forum."""
    in_group = select(group_member.c.group_id).where(group_member.c.user_id == user_id)
    leads = select(group_lead.c.group_id).where(group_lead.c.user_id == user_id)
    return union(
        select(forum_member.c.forum_id).where(forum_member.c.user_id == user_id),
        select(Forum.id).where(Forum.group_id.in_(in_group.union(leads))),
    )


def meetings_of_member(user: Any, since: date, limit: int = 200) -> list[Meeting]:
    """The meetings from `since` of the forums `user` is a member of (the
    calendar feed)."""
    return list(
        db.session.scalars(
            select(Meeting)
            .options(joinedload(Meeting.forum))
            .where(
                Meeting.forum_id.in_(member_forums(user.id)), Meeting.held_on >= since
            )
            .order_by(Meeting.held_on)
            .limit(limit)
        )
    )


def municipality_forums(municipality_id: int) -> Any:
    """SELECT of the ids of the forums a municipality takes part in through its
    people: members, or a thematic forum's group it takes part in."""
    staff = select(User.id).where(User.municipality_id == municipality_id)
    from app.work.models import group_municipality

    groups = select(group_municipality.c.group_id).where(
        group_municipality.c.municipality_id == municipality_id
    )
    return select(Forum.id).where(
        or_(
            Forum.id.in_(
                select(forum_member.c.forum_id).where(forum_member.c.user_id.in_(staff))
            ),
            Forum.group_id.in_(groups),
        )
    )


@dataclass(frozen=True)
class MeetingLine:
    """A meeting as a list shows it (plain data: the read model may keep it)."""

    id: int
    held_on: date
    forum: str
    title: str


def municipality_meetings(municipality_id: int, today: date) -> list[MeetingLine]:
    """The next meetings of the forums a municipality takes part in, bounded.
    The same for every reader (meetings are regional): kept in the read model."""

    def compute() -> list[MeetingLine]:
        rows = db.session.execute(
            select(Meeting.id, Meeting.held_on, Forum.name, Meeting.title)
            .join(Forum, Meeting.forum_id == Forum.id)
            .where(
                Meeting.forum_id.in_(municipality_forums(municipality_id)),
                Meeting.held_on >= today,
            )
            .order_by(Meeting.held_on, Meeting.id)
            .limit(5)
        )
        return [MeetingLine(*row) for row in rows]

    return readmodel.cached(
        "municipality_meetings",
        (municipality_id, today),
        compute,
        reads=(
            "meeting",
            "forum",
            "forum_member",
            "user_account",
            "group_municipality",
        ),
    )


def meeting_notes(meeting: Meeting) -> list[MeetingNote]:
    """A meeting's decisions and action points, with the tasks they became."""
    return list(
        db.session.scalars(
            select(MeetingNote)
            .options(
                joinedload(MeetingNote.theme),
                joinedload(MeetingNote.task).joinedload(Task.assignee),
            )
            .where(MeetingNote.meeting_id == meeting.id)
            .order_by(MeetingNote.kind.desc(), MeetingNote.id)
        )
    )


def action_point_of(task_id: int) -> Any:
    """The action point (and its meeting) a task was made from, or None."""
    return db.session.execute(
        select(MeetingNote.text, Meeting.id, Meeting.held_on, Forum.name)
        .join(Meeting, MeetingNote.meeting_id == Meeting.id)
        .join(Forum, Meeting.forum_id == Forum.id)
        .where(MeetingNote.task_id == task_id)
    ).first()


def usable_groups() -> list[WorkingGroup]:
    """The working groups an action point's task may go to (those in use)."""
    return list(
        db.session.scalars(
            select(WorkingGroup)
            .options(joinedload(WorkingGroup.theme))
            .where(WorkingGroup.archived_at.is_(None))
            .order_by(WorkingGroup.name)
        )
    )


def create_meeting(values: dict, user: User) -> Meeting:
    meeting = Meeting(**values)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def add_agenda_item(meeting: Meeting, values: dict) -> AgendaItem:
    position = db.session.scalar(
        select(func.coalesce(func.max(AgendaItem.position), 0)).where(
            AgendaItem.meeting_id == meeting.id
        )
    )
    item = AgendaItem(meeting_id=meeting.id, position=position + 1, **values)
    db.session.add(item)
    db.session.commit()
    return item


def add_note(meeting: Meeting, values: dict, user: User) -> MeetingNote:
    note = MeetingNote(meeting_id=meeting.id, created_by_id=user.id, **values)
    db.session.add(note)
    db.session.commit()
    return note


def turn_into_task(
    note: MeetingNote, group: WorkingGroup, values: dict, user: User
) -> Task | None:
    """The action point becomes a task of `group` with an assignee and a due
    date, linked back to its meeting, in one transaction; None (nothing saved)
    when the action point got a task meanwhile."""
    meeting = note.meeting
    task = Task(
        group_id=group.id,
        title=values["title"],
        description=_(
            "Action point of %(forum)s on %(day)s.",
            forum=meeting.forum.name,
            day=meeting.held_on.strftime("%d/%m/%Y"),
        ),
        assignee_id=values["assignee_id"],
        due_on=values["due_on"],
        updated_by_id=user.id,
    )
    db.session.add(task)
    db.session.flush()
    # Only an action point without a task takes this one: of two people
    # sending the form at once, the second creates nothing.
    taken = db.session.execute(
        update(MeetingNote)
        .where(MeetingNote.id == note.id, MeetingNote.task_id.is_(None))
        .values(task_id=task.id)
    )
    if taken.rowcount != 1:
        db.session.rollback()
        return None
    changes = {
        "title": [None, task.title],
        "due_on": [None, task.due_on.isoformat()],
        "assignee_id": [None, task.assignee_id],
    }
    record("create", task, changes)
    # As a task created on its group's page: the assignee is told.
    signals.task_saved.send(task, changes=changes, created=True, actor=user)
    db.session.commit()
    return task
