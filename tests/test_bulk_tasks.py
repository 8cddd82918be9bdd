"""Bulk work on tasks (issue 28 item 4): select tasks on /tasks or a group's
page, see what will change per task, apply it all in one transaction or nothing
(a conflict, a forbidden task, bad input)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.activity.models import Activity
from app.extensions import db
from app.work.models import Task
from app.workdays import shift_working_days
from tests import factories
from tests.conftest import queries


@pytest.fixture
def world(app):
    home = factories.municipality("Izegem")
    lead = factories.user("lead", home, full_name="Lea Lead")
    leaving = factories.user("municipality", home, full_name="Vera Vertrek")
    taker = factories.user("municipality", home, full_name="Nico Nieuw")
    theme = factories.theme(title="Connectiviteit")
    group = factories.group(theme, leads=[lead], name="Werkgroep glasvezel")
    other_group = factories.group(theme, name="Werkgroep 5G")
    # Friday 3/4/2026 + 1 working day: Monday 6/4 is Easter Monday, so 7/4.
    tasks = [
        factories.task(
            group,
            title=f"Taak {i}",
            due_on=date(2026, 4, 3),
            start_on=date(2026, 4, 1) if i == 0 else None,
            assignee_id=leaving.id,
        )
        for i in range(3)
    ]
    foreign = factories.task(
        other_group, title="Andermans taak", due_on=date(2026, 5, 4)
    )
    db.session.commit()
    return {
        "lead": lead,
        "leaving": leaving,
        "taker": taker,
        "group": group,
        "tasks": tasks,
        "foreign": foreign,
    }


def _ids(tasks):
    return [t.id for t in tasks]


def _preview(client, tasks, **fields):
    return client.form("/tasks/bulk", {"task": _ids(tasks), **fields})


def _apply(client, tasks, versions=None, **fields):
    data = {"task": _ids(tasks), **fields}
    for t in tasks:
        data[f"version_{t.id}"] = (versions or {}).get(t.id) or t.version
    return client.form("/tasks/bulk/apply", data)


def _entries(task_ids):
    return db.session.scalar(
        select(func.count(Activity.id)).where(
            Activity.entity_type == "task", Activity.entity_id.in_(task_ids)
        )
    )


def test_shift_skips_a_belgian_holiday():
    assert shift_working_days(date(2026, 4, 3), 1) == date(2026, 4, 7)
    assert shift_working_days(date(2026, 4, 7), -1) == date(2026, 4, 3)
    assert shift_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


def test_preview_lists_old_and_new_and_changes_nothing(world, login_as):
    client = login_as(world["lead"])
    response = _preview(client, world["tasks"], action="shift", days="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "03/04/2026 → 07/04/2026" in page
    assert "2026-04-01 → 2026-04-02" in page  # the start date moves too
    assert f'name="version_{world["tasks"][0].id}"' in page
    assert db.session.get(Task, world["tasks"][0].id).due_on == date(2026, 4, 3)


def test_shift_applies_in_one_go_with_an_entry_per_task(world, login_as):
    client = login_as(world["lead"])
    tasks = world["tasks"]
    response = _apply(client, tasks, action="shift", days="1", next="/tasks")
    assert response.status_code == 303
    for t in tasks:
        assert db.session.get(Task, t.id).due_on == date(2026, 4, 7)
        assert db.session.get(Task, t.id).version == 2
    assert db.session.get(Task, tasks[0].id).start_on == date(2026, 4, 2)
    assert _entries(_ids(tasks)) == len(tasks)
    entry = db.session.scalars(
        select(Activity).where(Activity.entity_id == tasks[1].id)
    ).one()
    assert entry.changes == {"due_on": ["2026-04-03", "2026-04-07"]}


def test_reassign_a_leaving_colleagues_tasks(world, login_as):
    client = login_as(world["lead"])
    preview = _preview(
        client, world["tasks"], action="assign", assignee_id=world["taker"].id
    )
    assert "Vera Vertrek → Nico Nieuw" in preview.get_data(as_text=True)
    response = _apply(
        client, world["tasks"], action="assign", assignee_id=world["taker"].id
    )
    assert response.status_code == 303
    assert {db.session.get(Task, t.id).assignee_id for t in world["tasks"]} == {
        world["taker"].id
    }
    assert _entries(_ids(world["tasks"])) == 3


def test_reassign_to_someone_not_assignable_is_refused(world, login_as):
    client = login_as(world["lead"])
    viewer = factories.user("viewer")
    db.session.commit()
    response = _apply(client, world["tasks"], action="assign", assignee_id=viewer.id)
    assert response.status_code == 422
    assert {db.session.get(Task, t.id).assignee_id for t in world["tasks"]} == {
        world["leaving"].id
    }


def test_set_status_done_completes_progress(world, login_as):
    client = login_as(world["lead"])
    response = _apply(client, world["tasks"], action="status", status="done")
    assert response.status_code == 303
    for t in world["tasks"]:
        fresh = db.session.get(Task, t.id)
        assert (fresh.status, fresh.progress) == ("done", 100)


def test_conflict_refuses_the_whole_batch_and_lists_it(world, login_as):
    client = login_as(world["lead"])
    tasks = world["tasks"]
    seen = {t.id: t.version for t in tasks}
    changed = db.session.get(Task, tasks[1].id)
    changed.title = "Taak 1 (hernoemd)"  # someone saved it meanwhile
    db.session.commit()
    response = _apply(client, tasks, versions=seen, action="shift", days="2")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Taak 1 (hernoemd)" in page
    assert "Taak 0" not in page.split("bulk-conflicts")[1]
    assert {db.session.get(Task, t.id).due_on for t in tasks} == {date(2026, 4, 3)}
    assert _entries(_ids(tasks)) == 0


def test_a_forbidden_task_in_the_batch_is_403_and_nothing_changes(world, login_as):
    client = login_as(world["lead"])
    batch = [*world["tasks"], world["foreign"]]
    assert _preview(client, batch, action="shift", days="1").status_code == 403
    response = _apply(client, batch, action="shift", days="1")
    assert response.status_code == 403
    assert {db.session.get(Task, t.id).due_on for t in world["tasks"]} == {
        date(2026, 4, 3)
    }
    assert _entries(_ids(batch)) == 0


@pytest.mark.parametrize("days", ["drie", "1.5", "", "0", "9999"])
def test_bad_number_of_days_is_a_clear_dutch_message(world, login_as, days):
    client = login_as(world["lead"])
    response = _apply(client, world["tasks"], action="shift", days=days)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "werkdagen" in page
    assert {db.session.get(Task, t.id).due_on for t in world["tasks"]} == {
        date(2026, 4, 3)
    }
    assert _entries(_ids(world["tasks"])) == 0


def test_nothing_selected_says_so(world, login_as):
    client = login_as(world["lead"])
    response = client.form("/tasks/bulk", {"action": "shift", "days": "1"})
    assert response.status_code == 422
    assert "Selecteer minstens één taak." in response.get_data(as_text=True)


def test_select_all_on_this_page_without_javascript(world, login_as):
    client = login_as(world["lead"])
    data = {
        "all_on_page": "1",
        "page_task": _ids(world["tasks"]),
        "action": "status",
        "status": "blocked",
    }
    page = client.form("/tasks/bulk", data).get_data(as_text=True)
    assert page.count('name="version_') == 3


@pytest.mark.parametrize(
    ("role", "boxes"), [("coordinator", 4), ("lead", 3), ("municipality", 0)]
)
def test_who_sees_the_checkboxes(world, login_as, role, boxes):
    client = login_as(world["lead"] if role == "lead" else role)
    page = client.get("/tasks").get_data(as_text=True)
    assert page.count('class="bulk-select"') == boxes
    assert ('id="bulk-tasks"' in page) == (boxes > 0)
    group_page = client.get(f"/groups/{world['group'].id}").get_data(as_text=True)
    assert group_page.count('class="bulk-select"') == min(boxes, 3)


@pytest.mark.parametrize("role", ["municipality", "viewer"])
def test_other_roles_may_not_post_a_batch(world, login_as, role):
    client = login_as(role)
    response = _apply(client, world["tasks"], action="status", status="done")
    assert response.status_code == 403
    assert {db.session.get(Task, t.id).status for t in world["tasks"]} == {"todo"}


def test_htmx_preview_is_a_fragment(world, login_as):
    client = login_as(world["lead"])
    response = client.form(
        "/tasks/bulk",
        {"task": _ids(world["tasks"]), "action": "status", "status": "blocked"},
        htmx=True,
    )
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert 'id="bulk-apply"' in response.get_data(as_text=True)


def test_a_batch_takes_a_fixed_number_of_statements(world, login_as, app):
    client = login_as(world["lead"])
    counts = []
    for n in (1, 3):
        extra = [
            factories.task(world["group"], due_on=date(2026, 6, 1)) for _ in range(n)
        ]
        db.session.commit()
        client.fetch_csrf("/tasks")
        versions = {t.id: t.version for t in extra}  # read before counting
        with queries() as log:
            response = _apply(client, extra, versions, action="shift", days="3")
        assert response.status_code == 303
        # Everything, the activity entries (one INSERT for them all) included.
        counts.append(len(log))
    assert counts[0] == counts[1]


def test_reassigning_sends_the_domain_event_before_commit(world, login_as):
    from app.signals import tasks_reassigned

    received = []

    def receiver(sender, tasks, assignee):
        received.append((sender.id, sorted(t.id for t in tasks), assignee))

    client = login_as(world["lead"])
    with tasks_reassigned.connected_to(receiver):
        _apply(client, world["tasks"], action="assign", assignee_id=world["taker"].id)
    assert received == [
        (world["lead"].id, sorted(_ids(world["tasks"])), world["taker"].id)
    ]


def test_htmx_apply_redirects_and_a_stale_one_answers_409_fragment(world, login_as):
    client = login_as(world["lead"])
    tasks = world["tasks"]
    data = {"task": _ids(tasks), "action": "status", "status": "blocked"}
    data |= {f"version_{t.id}": t.version for t in tasks}
    response = client.form("/tasks/bulk/apply", data, htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/tasks"
    again = client.form("/tasks/bulk/apply", data, htmx=True)  # versions now old
    assert again.status_code == 409
    assert "<html" not in again.get_data(as_text=True)
    assert again.get_data(as_text=True).count("<li data-task-id=") == 3


def test_the_preview_takes_a_fixed_number_of_statements(world, login_as):
    client = login_as(world["lead"])
    counts = []
    for n in (1, 3):
        extra = [
            factories.task(world["group"], due_on=date(2026, 6, 1)) for _ in range(n)
        ]
        db.session.commit()
        client.fetch_csrf("/tasks")
        ids = _ids(extra)
        with queries() as log:
            response = client.form(
                "/tasks/bulk", {"task": ids, "action": "shift", "days": "2"}
            )
        assert response.status_code == 200
        counts.append(len(log))
    assert counts[0] == counts[1]


def test_bulk_done_creates_the_next_occurrence_of_a_recurring_task(world, login_as):
    from app.work.models import TaskRecurrence

    recurring, plain = world["tasks"][0], world["tasks"][1]
    db.session.add(TaskRecurrence(task_id=recurring.id, kind="monthly"))
    db.session.commit()
    before = db.session.scalar(select(func.count(Task.id)))
    client = login_as(world["lead"])
    response = _apply(client, [recurring, plain], action="status", status="done")
    assert response.status_code == 303
    # One next occurrence (the single save's rule: one month later, a working
    # day: 3/5/2026 is a Sunday, so Friday 1/5 is a holiday and it is 30/4).
    assert db.session.scalar(select(func.count(Task.id))) == before + 1
    db.session.expire_all()
    following = db.session.get(
        Task, db.session.get(TaskRecurrence, recurring.id).next_task_id
    )
    assert (following.title, following.status, following.due_on) == (
        "Taak 0",
        "todo",
        date(2026, 4, 30),
    )
    assert db.session.get(TaskRecurrence, following.id).kind == "monthly"
    assert (
        db.session.scalar(
            select(func.count(Activity.id)).where(
                Activity.entity_type == "task",
                Activity.entity_id == following.id,
                Activity.action == "create",
            )
        )
        == 1
    )


def _chain(world):
    from app.work.models import TaskDependency

    first, second = world["tasks"][0], world["tasks"][1]
    db.session.add(TaskDependency(task_id=second.id, after_id=first.id))
    db.session.commit()
    return first, second


@pytest.mark.parametrize("status", ["in_progress", "done"])
def test_bulk_start_before_the_predecessor_is_done_refuses_the_batch(
    world, login_as, status
):
    first, second = _chain(world)
    third = world["tasks"][2]
    before = [(t.status, t.version) for t in world["tasks"]]
    client = login_as(world["lead"])
    for post in (_preview, _apply):
        response = post(client, [second, third], action="status", status=status)
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert f'<li data-task-id="{second.id}">' in text
        assert f'<li data-task-id="{third.id}">' not in text
        assert "Er is niets gewijzigd: deze taken mogen nog niet starten." in text
        assert "start na “Taak 0”" in text and "nog niet klaar" in text
        db.session.expire_all()
        assert [(t.status, t.version) for t in world["tasks"]] == before
    assert _entries(_ids(world["tasks"])) == 0


def test_bulk_may_start_a_task_when_the_batch_finishes_its_predecessor(world, login_as):
    first, second = _chain(world)
    client = login_as(world["lead"])
    response = _apply(client, [first, second], action="status", status="done")
    assert response.status_code == 303
    db.session.expire_all()
    assert [db.session.get(Task, t.id).status for t in (first, second)] == [
        "done",
        "done",
    ]
