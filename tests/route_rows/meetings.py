"""Routes of forum meetings: list, meeting, pack (page and workbook), minutes,
an action point made a task. Demo: the Midwest-overleg with a past meeting
(minutes, one action point still without a task) and the next one."""

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.meetings.models import Meeting, MeetingNote
from app.work.models import WorkingGroup
from tests.route_rows import action, page


def _meeting(title_start: str) -> int:
    return db.session.scalar(
        select(Meeting.id).where(Meeting.title.startswith(title_start))
    )


def _open_action() -> int:
    return db.session.scalar(
        select(MeetingNote.id).where(
            MeetingNote.kind == "action", MeetingNote.task_id.is_(None)
        )
    )


def _id(model, **where):
    return db.session.scalar(select(model.id).filter_by(**where))


PLACEHOLDERS = {
    "past_meeting": lambda: _meeting("Opvolging digitale regio"),
    "next_meeting": lambda: _meeting("Volgend Midwest-overleg"),
    "open_action": _open_action,
    "forum": lambda: db.session.scalar(select(Meeting.forum_id).limit(1)),
    "vendor_group": lambda: _id(WorkingGroup, name="Werkgroep vendormanagement"),
    "lead_user": lambda: _id(User, email="lead@midwest.example"),
}

COORDINATOR_SAVES = {"coordinator": 303}

ROUTES = [
    page("/meetings"),
    page("/meetings/{past_meeting}"),
    page("/meetings/{next_meeting}/pack"),
    page("/meetings/{past_meeting}/pack.xlsx"),
    page("/meetings/999999", everyone=404),
    page("/meetings/999999/pack", everyone=404),
    action(
        "POST",
        "/meetings",
        COORDINATOR_SAVES,
        data={"forum_id": "{forum}", "held_on": "2027-06-14", "title": "Route"},
    ),
    action("POST", "/meetings", {"coordinator": 422}, data={"held_on": "nope"}),
    action(
        "POST",
        "/meetings/{next_meeting}/agenda",
        COORDINATOR_SAVES,
        data={"title": "Route table item"},
    ),
    action(
        "POST",
        "/meetings/{past_meeting}/notes",
        COORDINATOR_SAVES,
        data={"kind": "decision", "text": "Route table decision"},
    ),
    action(
        "POST",
        "/meetings/{past_meeting}/notes",
        {"coordinator": 422},
        data={"kind": "vote", "text": ""},
    ),
    action(
        "GET",
        "/meetings/{past_meeting}/actions/{open_action}/task",
        {"coordinator": 200},
    ),
    action(
        "POST",
        "/meetings/{past_meeting}/actions/{open_action}/task",
        COORDINATOR_SAVES,
        data={
            "title": "Route table task",
            "group_id": "{vendor_group}",
            "assignee_id": "{lead_user}",
            "due_on": "2027-03-01",
        },
    ),
    action(
        "GET",
        "/meetings/{next_meeting}/actions/{open_action}/task",
        {"coordinator": 404},
    ),
]
