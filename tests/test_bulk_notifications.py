"""A batch of tasks (/tasks/bulk) tells people what saving each task on its own
would tell them (issue 26 with issue 28 item 4): the new assignee, the assignee
of a moved due date, the followers of a changed status."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.models import Notification
from tests import factories
from tests.conftest import queries


@pytest.fixture
def world(app):
    home = factories.municipality("Izegem")
    lead = factories.user("lead", home, full_name="Lea Lead")
    co_lead = factories.user("lead", home, full_name="Cas Colead")
    leaving = factories.user("municipality", home, full_name="Vera Vertrek")
    taker = factories.user("municipality", home, full_name="Nico Nieuw")
    outsider = factories.user("municipality", factories.municipality("Tielt"))
    theme = factories.theme(title="Connectiviteit")
    group = factories.group(theme, leads=[lead, co_lead], name="Werkgroep glasvezel")
    tasks = [
        factories.task(
            group, title=f"Taak {i}", due_on=date(2026, 4, 3), assignee_id=leaving.id
        )
        for i in range(4)
    ]
    db.session.commit()
    return {
        "lead": lead,
        "co_lead": co_lead,
        "leaving": leaving,
        "taker": taker,
        "outsider": outsider,
        "group": group,
        "tasks": tasks,
    }


def _apply(client, tasks, **fields):
    data = {"task": [t.id for t in tasks], **fields}
    data |= {f"version_{t.id}": t.version for t in tasks}
    response = client.form("/tasks/bulk/apply", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]


def _save(client, task, **values):
    """Save one task through its own form (the single save)."""
    data = {
        "title": task.title,
        "status": task.status,
        "progress": str(task.progress),
        "due_on": task.due_on.isoformat() if task.due_on else "",
        "assignee_id": str(task.assignee_id or ""),
        "municipality_id": str(task.municipality_id or ""),
        "version": str(task.version),
    } | {k: str(v) for k, v in values.items()}
    assert client.form(f"/tasks/{task.id}", data).status_code in (200, 303)


def _events(user, task_ids=None) -> list[tuple]:
    query = select(
        Notification.kind, Notification.object_id, Notification.detail
    ).where(Notification.user_id == user.id)
    if task_ids is not None:
        query = query.where(Notification.object_id.in_(task_ids))
    return sorted(tuple(r) for r in db.session.execute(query))


def _kinds_and_details(user, task_ids) -> list[tuple]:
    return sorted((kind, detail) for kind, _id, detail in _events(user, task_ids))


def test_a_bulk_reassignment_tells_the_new_assignee_of_each_task(world, login_as):
    tasks = world["tasks"][:3]
    _apply(
        login_as(world["lead"]), tasks, action="assign", assignee_id=world["taker"].id
    )
    assert _events(world["taker"]) == sorted(("task_assigned", t.id, "") for t in tasks)
    for name in ("leaving", "lead", "co_lead", "outsider"):
        assert _events(world[name]) == [], name
    inbox = login_as(world["taker"]).get("/notifications").get_data(as_text=True)
    for task in tasks:
        assert f'href="/tasks/{task.id}"' in inbox


@pytest.mark.parametrize(
    ("bulk", "single"),
    [
        ({"action": "status", "status": "blocked"}, {"status": "blocked"}),
        ({"action": "shift", "days": "1"}, {"due_on": "2026-04-07"}),
        ({"action": "assign"}, {"assignee_id": None}),
    ],
    ids=["status", "shift", "assign"],
)
def test_a_batch_gives_the_same_events_as_saving_each_task(
    world, login_as, bulk, single
):
    """Tasks 0-1 by a batch, task 2 by its own form, each by the lead: everyone
    gets per task what they get for the single save (Easter Monday skipped)."""
    taker = world["taker"].id
    bulk = {k: v for k, v in bulk.items()} | (
        {"assignee_id": taker} if bulk["action"] == "assign" else {}
    )
    single = {k: (taker if v is None else v) for k, v in single.items()}
    client = login_as(world["lead"])
    batch, alone = world["tasks"][:2], world["tasks"][2]
    _apply(client, batch, **bulk)
    _save(client, alone, **single)
    told = 0
    for name in ("leaving", "taker", "lead", "co_lead", "outsider"):
        got_alone = _kinds_and_details(world[name], [alone.id])
        for task in batch:
            assert _kinds_and_details(world[name], [task.id]) == got_alone, name
        told += len(got_alone)
    assert told  # somebody was told, as a single save tells them
    if bulk["action"] == "status":  # the assignee and the other lead, not the actor
        assert _kinds_and_details(world["co_lead"], [alone.id]) == [
            ("task_status", "blocked")
        ]
        assert _events(world["lead"]) == []
    if bulk["action"] == "shift":
        assert _kinds_and_details(world["leaving"], [alone.id]) == [
            ("task_due", "2026-04-07")
        ]


def test_a_batch_with_its_events_takes_a_fixed_number_of_statements(world, login_as):
    client = login_as(world["lead"])
    counts = []
    for n in (1, 3):
        extra = [
            factories.task(
                world["group"],
                due_on=date(2026, 6, 1),
                assignee_id=world["leaving"].id,
            )
            for _ in range(n)
        ]
        db.session.commit()
        client.fetch_csrf("/tasks")
        data = {"task": [t.id for t in extra], "action": "status", "status": "done"}
        data |= {f"version_{t.id}": t.version for t in extra}
        with queries() as log:
            response = client.form("/tasks/bulk/apply", data)
        assert response.status_code == 303
        # Everything, the activity entries (one INSERT for them all) included.
        counts.append(len(log))
    assert counts[0] == counts[1]
    assert len(_events(world["co_lead"])) == 4
