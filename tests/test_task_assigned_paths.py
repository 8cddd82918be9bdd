"""Issue 26: every path that creates a task with an assignee tells the assignee
("task_assigned"), as a task created on its group's page does: a new dossier's
preparation tasks and the next occurrence of a recurring task (an action point
made a task: tests/test_meetings.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.notifications.models import Notification
from app.subsidies.models import Application
from app.work.models import Task, TaskRecurrence
from tests import factories


def _events(user) -> list[tuple[str, int]]:
    return sorted(
        db.session.execute(
            select(Notification.kind, Notification.object_id).where(
                Notification.user_id == user.id
            )
        ).all()
    )


def test_a_new_dossiers_preparation_tasks_tell_its_owner(app, login_as):
    home = factories.municipality("Izegem")
    owner = factories.user("municipality", home, full_name="Olga Eigenaar")
    bystander = factories.user("municipality", home)
    viewer = factories.user("viewer")
    theme = factories.theme(title="Digital counter")
    factories.group(theme, name="Counter")
    call = factories.call(
        title="Open call",
        deadline_at=clock.now_utc() + timedelta(days=40),
        preparation_template=[
            {"title": "Conceptnota", "days_before": 25},
            {"title": "Begroting", "days_before": 10},
        ],
    )
    coordinator = login_as("coordinator")
    answer = coordinator.form(
        "/applications/new",
        {
            "call_id": str(call.id),
            "title": "Zeta dossier",
            "reference": "",
            "theme_id": str(theme.id),
            "lead_municipality_id": str(home.id),
            "owner_id": str(owner.id),
            "requested_amount": "50000",
        },
    )
    assert answer.status_code == 303, answer.text
    dossier = db.session.scalar(select(Application))
    prepared = db.session.scalars(
        select(Task.id).where(Task.application_id == dossier.id).order_by(Task.id)
    ).all()
    assert len(prepared) == 2
    assert _events(owner) == [("task_assigned", task_id) for task_id in prepared]
    for person in (coordinator.user, bystander, viewer):
        assert _events(person) == []


def test_a_dossier_without_owner_tells_nobody_about_its_preparation(app, login_as):
    home = factories.municipality("Izegem")
    resident = factories.user("municipality", home)
    call = factories.call(
        deadline_at=clock.now_utc() + timedelta(days=40),
        preparation_template=[{"title": "Conceptnota", "days_before": 25}],
    )
    coordinator = login_as("coordinator")
    answer = coordinator.form(
        "/applications/new",
        {
            "call_id": str(call.id),
            "title": "Ownerless",
            "reference": "",
            "theme_id": "",
            "lead_municipality_id": str(home.id),
            "owner_id": "",
            "requested_amount": "1000",
        },
    )
    assert answer.status_code == 303, answer.text
    assert db.session.scalar(select(Task.id).where(Task.application_id.is_not(None)))
    assert _events(resident) == []
    assert db.session.scalar(select(Notification.id)) is None


def test_the_next_occurrence_of_a_recurring_task_tells_its_assignee(app, login_as):
    world = factories.delivery_world()
    assignee = world["users"]["municipality"]
    task = world["assigned_task"]
    db.session.add(TaskRecurrence(task_id=task.id, kind="monthly"))
    db.session.commit()
    coordinator = login_as(world["users"]["coordinator"])
    answer = coordinator.form(
        f"/tasks/{task.id}",
        {"status": "done", "progress": "100", "version": str(task.version)},
    )
    assert answer.status_code == 303
    following = db.session.get(TaskRecurrence, task.id).next_task_id
    assert ("task_assigned", following) in _events(assignee)
    assert _events(world["users"]["coordinator"]) == []
    assert _events(world["users"]["viewer"]) == []


def test_an_action_point_made_a_task_over_http_tells_its_assignee(demo_login):
    from app.auth.service import find_user
    from app.meetings.models import MeetingNote
    from app.work.models import WorkingGroup

    client = demo_login("coordinator@midwest.example")
    lead = find_user("lead@midwest.example")
    note = db.session.scalar(
        select(MeetingNote).where(
            MeetingNote.kind == "action", MeetingNote.task_id.is_(None)
        )
    )
    group = db.session.scalar(select(WorkingGroup).order_by(WorkingGroup.id))
    url = f"/meetings/{note.meeting_id}/actions/{note.id}/task"
    client.fetch_csrf(url)
    before = set(_events(lead))
    answer = client.post(
        url,
        data={
            "title": "Werkbezoek plannen",
            "group_id": str(group.id),
            "assignee_id": str(lead.id),
            "due_on": (clock.today() + timedelta(days=7)).isoformat(),
            "csrf_token": client.csrf_token,
        },
    )
    assert answer.status_code in (200, 303)
    task_id = db.session.get(MeetingNote, note.id).task_id
    assert set(_events(lead)) - before == {("task_assigned", task_id)}
