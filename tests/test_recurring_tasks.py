"""Issue 28 item 5: recurring tasks and "starts after" dependencies."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.activity.models import Activity
from app.extensions import db
from app.work.models import Task, TaskDependency, TaskRecurrence
from app.workdays import add_working_days
from tests import factories


@pytest.fixture
def world(app):
    return factories.delivery_world()


def _full(task: Task, **values) -> dict:
    data = {
        "title": task.title,
        "status": task.status,
        "progress": str(task.progress),
        "start_on": task.start_on.isoformat() if task.start_on else "",
        "due_on": task.due_on.isoformat() if task.due_on else "",
        "assignee_id": str(task.assignee_id or ""),
        "municipality_id": str(task.municipality_id or ""),
        "version": str(task.version),
    }
    return data | {k: str(v) for k, v in values.items()}


def _task_count() -> int:
    return db.session.scalar(select(func.count(Task.id)))


def _recurring(world, kind="monthly", due=date(2027, 1, 31), workdays=None) -> Task:
    task = world["own_task"]
    task.due_on = due
    db.session.add(TaskRecurrence(task_id=task.id, kind=kind, workdays=workdays))
    db.session.commit()
    return task


def test_working_days_skip_weekends_and_belgian_holidays():
    # Thursday 24/12/2026: Christmas (Friday) and the weekend are skipped.
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert add_working_days(date(2026, 12, 24), 0) == date(2026, 12, 24)
    assert add_working_days(date(2026, 12, 26), 0) == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("kind", "due", "expected"),
    [
        # 28/02/2027 is a Sunday: the next one falls on Friday 26/02.
        ("monthly", date(2027, 1, 31), date(2027, 2, 26)),
        # 15/05/2027 is a Saturday.
        ("quarterly", date(2027, 2, 15), date(2027, 5, 14)),
        # 11/11/2027 is Armistice day (a Belgian holiday).
        ("yearly", date(2026, 11, 11), date(2027, 11, 10)),
    ],
)
def test_done_creates_exactly_one_next_occurrence(login_as, world, kind, due, expected):
    task = _recurring(world, kind, due)
    task_id, before = task.id, _task_count()
    client = login_as(world["users"]["lead"])
    response = client.form(f"/tasks/{task_id}", _full(task, status="done"))
    assert response.status_code == 303
    assert _task_count() == before + 1
    recurrence = db.session.get(TaskRecurrence, task_id)
    following = db.session.get(Task, recurrence.next_task_id)
    assert (following.title, following.status, following.due_on) == (
        "Own task",
        "todo",
        expected,
    )
    assert following.group_id == world["own_group"].id
    assert db.session.get(TaskRecurrence, following.id).kind == kind
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
    # Done again (reopened and closed): no second occurrence.
    done = db.session.get(Task, task_id)
    client.form(f"/tasks/{task_id}", _full(done, status="todo", progress=0))
    again = db.session.get(Task, task_id)
    client.form(f"/tasks/{task_id}", _full(again, status="done"))
    assert db.session.get(Task, task_id).status == "done"
    assert _task_count() == before + 1


def test_workdays_recurrence_counts_from_the_day_done(login_as, world):
    task = _recurring(world, "workdays", workdays=5)
    client = login_as(world["users"]["coordinator"])
    assert (
        client.form(f"/tasks/{task.id}", _full(task, status="done")).status_code == 303
    )
    following = db.session.get(
        Task, db.session.get(TaskRecurrence, task.id).next_task_id
    )
    from app import clock

    assert following.due_on == add_working_days(clock.today(), 5)


def test_the_assignee_closing_a_recurring_task_makes_the_next(login_as, world):
    task = world["assigned_task"]
    db.session.add(TaskRecurrence(task_id=task.id, kind="monthly"))
    db.session.commit()
    client = login_as(world["users"]["municipality"])
    response = client.form(
        f"/tasks/{task.id}",
        {"status": "done", "progress": "100", "version": str(task.version)},
    )
    assert response.status_code == 303
    following = db.session.get(
        Task, db.session.get(TaskRecurrence, task.id).next_task_id
    )
    assert following.assignee_id == world["users"]["municipality"].id


def test_the_recurrence_is_set_in_the_form_and_shown_on_the_task(login_as, world):
    task = world["own_task"]
    client = login_as(world["users"]["lead"])
    form = client.get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert 'name="recurrence"' in form and "Herhaalt" in form
    response = client.form(
        f"/tasks/{task.id}",
        _full(task, recurrence="workdays", recur_workdays=10, after_id=""),
    )
    assert response.status_code == 303
    recurrence = db.session.get(TaskRecurrence, task.id)
    assert (recurrence.kind, recurrence.workdays) == ("workdays", 10)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "10 werkdagen" in page
    # The inline row (without these fields) leaves the recurrence as it is.
    fresh = db.session.get(Task, task.id)
    client.form(f"/tasks/{task.id}", _full(fresh, progress=20), htmx=True)
    assert db.session.get(TaskRecurrence, task.id).kind == "workdays"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"recurrence": "workdays", "recur_workdays": ""}, "hoeveel werkdagen"),
        ({"recurrence": "workdays", "recur_workdays": "0"}, "getal van 1 tot 260"),
        ({"recurrence": "weekly", "recur_workdays": ""}, "Ongeldige keuze"),
    ],
)
def test_bad_recurrence_is_refused_in_dutch(login_as, world, values, message):
    task = world["own_task"]
    client = login_as(world["users"]["lead"])
    response = client.form(f"/tasks/{task.id}", _full(task, after_id="", **values))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.get(TaskRecurrence, task.id) is None


def test_who_may_not_edit_the_task_cannot_set_a_recurrence(login_as, world):
    task = world["other_task"]
    for role in ("lead", "viewer", "other_municipality"):
        client = login_as(world["users"][role])
        response = client.form(
            f"/tasks/{task.id}", _full(task, recurrence="monthly", after_id="")
        )
        assert response.status_code == 403
    assert db.session.get(TaskRecurrence, task.id) is None


# --- starts after ---------------------------------------------------------------


def _chain(world):
    """A second task of the lead's group that starts after the first."""
    first = world["own_task"]
    second = factories.task(world["own_group"], title="Second task")
    db.session.add(TaskDependency(task_id=second.id, after_id=first.id))
    db.session.commit()
    return first, second


@pytest.mark.parametrize(
    "values",
    [{"status": "in_progress"}, {"status": "done"}, {"start_on": "2020-01-06"}],
)
def test_a_start_before_the_predecessor_is_done_is_refused(login_as, world, values):
    first, second = _chain(world)
    client = login_as(world["users"]["lead"])
    response = client.form(f"/tasks/{second.id}", _full(second, **values))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "start na “Own task”" in text and "nog niet klaar" in text
    saved = db.session.get(Task, second.id)
    assert (saved.status, saved.start_on, saved.version) == ("todo", None, 1)


def test_a_start_is_allowed_once_the_predecessor_is_done(login_as, world):
    first, second = _chain(world)
    client = login_as(world["users"]["lead"])
    assert (
        client.form(f"/tasks/{first.id}", _full(first, status="done")).status_code
        == 303
    )
    response = client.form(f"/tasks/{second.id}", _full(second, status="in_progress"))
    assert response.status_code == 303
    assert db.session.get(Task, second.id).status == "in_progress"


def test_a_future_start_date_may_be_planned(login_as, world):
    first, second = _chain(world)
    client = login_as(world["users"]["lead"])
    response = client.form(f"/tasks/{second.id}", _full(second, start_on="2099-01-05"))
    assert response.status_code == 303


def test_a_loop_of_dependencies_is_refused(login_as, world):
    first, second = _chain(world)
    client = login_as(world["users"]["lead"])
    response = client.form(f"/tasks/{first.id}", _full(first, after_id=second.id))
    assert response.status_code == 422
    assert "lus" in response.get_data(as_text=True)
    assert db.session.get(TaskDependency, first.id) is None


def test_only_a_task_of_the_same_group_can_come_first(login_as, world):
    task = world["own_task"]
    client = login_as(world["users"]["coordinator"])
    response = client.form(
        f"/tasks/{task.id}", _full(task, after_id=world["other_task"].id)
    )
    assert response.status_code == 422
    assert db.session.get(TaskDependency, task.id) is None


def test_the_predecessor_is_set_in_the_form_and_shown_to_every_role(login_as, world):
    first = world["own_task"]
    second = factories.task(world["own_group"], title="Second task")
    db.session.commit()
    client = login_as(world["users"]["lead"])
    response = client.form(f"/tasks/{second.id}", _full(second, after_id=first.id))
    assert response.status_code == 303
    assert db.session.get(TaskDependency, second.id).after_id == first.id
    for role in ("coordinator", "lead", "municipality", "viewer"):
        page = login_as(world["users"][role]).get(f"/tasks/{second.id}")
        assert "Start na:" in page.get_data(as_text=True)
        assert f'href="/tasks/{first.id}"' in page.get_data(as_text=True)


def test_the_theme_timeline_shows_who_starts_after_whom(login_as, world):
    first, second = _chain(world)
    first.due_on, second.due_on = date(2099, 1, 5), date(2099, 2, 5)
    db.session.commit()
    for role in ("coordinator", "viewer"):
        page = login_as(world["users"][role]).get(f"/themes/{world['own_theme'].id}")
        text = page.get_data(as_text=True)
        assert 'class="depends"' in text
        assert (
            "Start na:" in text and f'<a href="/tasks/{first.id}">Own task</a>' in text
        )


def test_two_people_closing_the_same_task_make_one_next_occurrence(login_as, world):
    task = _recurring(world)
    stale = _full(task, status="done")
    before = _task_count()
    first = login_as(world["users"]["lead"])
    assert first.form(f"/tasks/{task.id}", stale).status_code == 303
    second = login_as(world["users"]["coordinator"])
    response = second.form(f"/tasks/{task.id}", stale, htmx=True)
    assert response.status_code == 409
    assert _task_count() == before + 1


def test_deleting_a_task_leaves_its_next_occurrence_and_followers(login_as, world):
    task = _recurring(world)
    first, second = _chain(world)
    client = login_as(world["users"]["lead"])
    client.form(f"/tasks/{task.id}", _full(task, status="done"))
    following = db.session.get(TaskRecurrence, task.id).next_task_id
    assert client.form(f"/tasks/{task.id}/delete").status_code == 303
    assert db.session.get(Task, following) is not None
    assert db.session.get(TaskDependency, second.id) is None
    page = client.get(f"/tasks/{second.id}").get_data(as_text=True)
    assert "Start na:" not in page


def test_the_assignee_cannot_start_before_the_predecessor_is_done(login_as, world):
    task = world["assigned_task"]
    db.session.add(TaskDependency(task_id=task.id, after_id=world["other_task"].id))
    db.session.commit()
    client = login_as(world["users"]["municipality"])
    response = client.form(
        f"/tasks/{task.id}",
        {"status": "in_progress", "progress": "10", "version": str(task.version)},
        htmx=True,
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "<html" not in text and "start na “Other task”" in text
    saved = db.session.get(Task, task.id)
    assert (saved.status, saved.progress) == ("todo", 0)


def test_the_task_page_reads_as_many_statements_with_a_plan_as_without(login_as, world):
    from tests.conftest import queries

    plain, planned = world["own_task"], factories.task(world["own_group"])
    db.session.add(TaskRecurrence(task_id=planned.id, kind="yearly"))
    db.session.add(TaskDependency(task_id=planned.id, after_id=plain.id))
    db.session.commit()
    client = login_as(world["users"]["viewer"])
    client.get(f"/tasks/{plain.id}")
    counts = []
    for task_id in (plain.id, planned.id):
        with queries() as log:
            assert client.get(f"/tasks/{task_id}").status_code == 200
        counts.append(len(log))
    assert counts[0] == counts[1]
