"""Tasks: who may do what, validation, no lost updates, activity, fragments."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.activity.models import Activity
from app.extensions import db
from app.municipalities.models import Municipality
from app.work.models import Task
from tests import factories

ROLES = ("coordinator", "lead", "municipality", "other_municipality", "viewer")


@pytest.fixture
def world(app):
    return factories.delivery_world()


def _full(task: Task, **values) -> dict:
    data = {
        "title": task.title,
        "status": task.status,
        "progress": str(task.progress),
        "due_on": task.due_on.isoformat() if task.due_on else "",
        "assignee_id": str(task.assignee_id or ""),
        "municipality_id": str(task.municipality_id or ""),
        "version": str(task.version),
    }
    return data | {k: str(v) for k, v in values.items()}


def _as(login_as, world, role):
    return login_as(world["users"][role])


# (action, task key, roles that may) — everyone else gets 403 and nothing changes
TABLE = [
    ("edit", "own_task", {"coordinator", "lead"}),
    ("edit", "other_task", {"coordinator"}),
    ("edit", "assigned_task", {"coordinator", "municipality"}),
    ("edit", "loose_task", {"coordinator", "municipality"}),
    ("delete", "own_task", {"coordinator", "lead"}),
    ("delete", "other_task", {"coordinator"}),
    ("delete", "assigned_task", {"coordinator"}),
    ("delete", "loose_task", {"coordinator"}),
]


@pytest.mark.parametrize(("verb", "key", "allowed"), TABLE)
@pytest.mark.parametrize("role", ROLES)
def test_task_permission_table(login_as, world, verb, key, allowed, role):
    task = world[key]
    task_id, title = task.id, task.title
    client = _as(login_as, world, role)
    if verb == "edit":
        form = client.get(f"/tasks/{task_id}/edit")
        response = client.form(
            f"/tasks/{task_id}", _full(task, status="in_progress", progress=30)
        )
    else:
        form = client.get(f"/tasks/{task_id}/delete")
        response = client.form(f"/tasks/{task_id}/delete")
    expected = 303 if role in allowed else 403
    assert form.status_code == (200 if role in allowed else 403)
    assert response.status_code == expected
    saved = db.session.get(Task, task_id)
    if expected == 403:
        assert saved is not None and saved.title == title and saved.progress == 0
    elif verb == "edit":
        assert (saved.status, saved.progress) == ("in_progress", 30)
    else:
        assert saved is None


@pytest.mark.parametrize(
    ("group_key", "allowed"),
    [("own_group", {"coordinator", "lead"}), ("other_group", {"coordinator"})],
)
@pytest.mark.parametrize("role", ROLES)
def test_create_task_permission(login_as, world, group_key, allowed, role):
    group_id = world[group_key].id
    client = _as(login_as, world, role)
    assert client.get(f"/groups/{group_id}/tasks/new").status_code == (
        200 if role in allowed else 403
    )
    response = client.form(
        f"/groups/{group_id}/tasks",
        {"title": "Fresh task", "status": "todo", "progress": "0", "due_on": ""},
    )
    assert response.status_code == (303 if role in allowed else 403)
    created = db.session.scalar(select(Task).where(Task.title == "Fresh task"))
    assert (created is not None) is (role in allowed)


def test_anonymous_is_sent_to_login(client, world):
    task_id = world["own_task"].id
    assert client.get(f"/tasks/{task_id}/edit").status_code == 302
    response = client.htmx("GET", f"/tasks/{task_id}/edit")
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_assignee_changes_only_status_and_progress(login_as, world):
    """Mass assignment: an assignee's title, date, assignee and municipality are
    ignored; only status and progress are taken."""
    task = world["assigned_task"]
    client = _as(login_as, world, "municipality")
    response = client.form(
        f"/tasks/{task.id}",
        _full(
            task,
            title="Hijacked",
            status="blocked",
            progress=55,
            due_on="2030-01-01",
            assignee_id=world["users"]["other_municipality"].id,
            municipality_id=world["away"].id,
            group_id=world["own_group"].id,
        ),
    )
    assert response.status_code == 303
    saved = db.session.get(Task, task.id)
    assert (saved.title, saved.status, saved.progress) == (
        "Assigned task",
        "blocked",
        55,
    )
    assert saved.due_on is None
    assert saved.assignee_id == world["users"]["municipality"].id
    assert saved.municipality_id is None
    assert saved.group_id == world["other_group"].id


def test_assignee_form_has_no_other_fields(login_as, world):
    client = _as(login_as, world, "municipality")
    page = client.htmx("GET", f"/tasks/{world['assigned_task'].id}/edit").get_data(
        as_text=True
    )
    assert 'name="status"' in page and 'name="progress"' in page
    assert 'name="title"' not in page and 'name="due_on"' not in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("progress", "101"),
        ("progress", "-1"),
        ("progress", "abc"),
        ("progress", ""),
        ("due_on", "31/02/2026"),
        ("due_on", "2026-02-31"),
        ("due_on", "tomorrow"),
        ("title", ""),
        ("title", "   "),
        ("title", "x" * 10_000),
        ("status", "finished"),
        ("assignee_id", "abc"),
        ("assignee_id", "999999"),
        ("municipality_id", "999999"),
    ],
)
def test_invalid_input_is_422_with_message_and_changes_nothing(
    login_as, world, field, value
):
    task = world["own_task"]
    client = _as(login_as, world, "lead")
    response = client.form(f"/tasks/{task.id}", _full(task, **{field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page
    assert 'aria-invalid="true"' in page
    saved = db.session.get(Task, task.id)
    assert (saved.title, saved.progress, saved.version) == ("Own task", 0, 1)
    # htmx: the edit row comes back with the message, as a fragment
    response = client.form(
        f"/tasks/{task.id}", _full(task, **{field: value}), htmx=True
    )
    assert response.status_code == 422
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and 'id="task-' in fragment
    assert "field-error" in fragment


def test_dates_are_accepted_in_both_formats(login_as, world):
    task = world["own_task"]
    client = _as(login_as, world, "lead")
    assert (
        client.form(f"/tasks/{task.id}", _full(task, due_on="28/02/2027")).status_code
        == 303
    )
    assert db.session.get(Task, task.id).due_on == date(2027, 2, 28)


def test_done_sets_progress_100_and_100_need_not_be_done(login_as, world):
    task = world["own_task"]
    client = _as(login_as, world, "coordinator")
    client.form(f"/tasks/{task.id}", _full(task, status="done", progress=20))
    saved = db.session.get(Task, task.id)
    assert (saved.status, saved.progress) == ("done", 100)
    client.form(f"/tasks/{task.id}", _full(saved, status="in_progress", progress=100))
    saved = db.session.get(Task, task.id)
    assert (saved.status, saved.progress) == ("in_progress", 100)


def test_stale_version_is_409_and_both_edits_are_kept(login_as, world, app):
    """A and B open version 1; A saves; B's save answers 409 saying who changed
    what, shows B's values to copy, and A's change stays."""
    task = world["own_task"]
    before = _full(task)
    lead = _as(login_as, world, "lead")
    assert (
        lead.form(f"/tasks/{task.id}", before | {"title": "Lead's title"}).status_code
        == 303
    )

    coordinator = app.test_client()
    from tests.conftest import sign_in_session

    sign_in_session(coordinator, world["users"]["coordinator"])
    stale = before | {"title": "Coordinator's title", "progress": "70"}
    for htmx in (False, True):
        response = coordinator.form(f"/tasks/{task.id}", stale, htmx=htmx)
        assert response.status_code == 409
        page = response.get_data(as_text=True)
        assert "Coordinator&#39;s title" in page  # what B tried to save, shown back
        assert "Lead&#39;s title" in page  # what A changed
        assert world["users"]["lead"].full_name in page  # and who
        assert ("<html" in page) is not htmx
    saved = db.session.get(Task, task.id)
    assert (saved.title, saved.progress, saved.version) == ("Lead's title", 0, 2)


def test_every_save_records_activity_old_to_new(login_as, world):
    task = world["own_task"]
    client = _as(login_as, world, "lead")
    client.form(f"/tasks/{task.id}", _full(task, progress=40, title="Renamed"))
    entry = db.session.scalar(
        select(Activity).where(
            Activity.entity_type == "task", Activity.entity_id == task.id
        )
    )
    assert entry.action == "update"
    assert entry.actor_id == world["users"]["lead"].id
    assert entry.changes == {"progress": [0, 40], "title": ["Own task", "Renamed"]}


def test_saving_nothing_changed_keeps_the_version(login_as, world):
    task = world["own_task"]
    client = _as(login_as, world, "lead")
    assert client.form(f"/tasks/{task.id}", _full(task)).status_code == 303
    assert db.session.get(Task, task.id).version == 1


def test_create_and_delete_record_activity(login_as, world):
    client = _as(login_as, world, "lead")
    group_id = world["own_group"].id
    response = client.form(
        f"/groups/{group_id}/tasks",
        {"title": "Brand new", "status": "done", "progress": "10", "due_on": ""},
        htmx=True,
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "Brand new" in fragment and 'id="new-task-row"' in fragment
    created = db.session.scalar(select(Task).where(Task.title == "Brand new"))
    assert (created.group_id, created.progress) == (group_id, 100)
    task_id = created.id
    response = client.form(f"/tasks/{task_id}/delete", htmx=True)
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    actions = db.session.scalars(
        select(Activity.action).where(
            Activity.entity_type == "task", Activity.entity_id == task_id
        )
    ).all()
    assert sorted(actions) == ["create", "delete"]


def test_htmx_edit_cycle_returns_rows(login_as, world):
    task = world["own_task"]
    client = _as(login_as, world, "lead")
    edit = client.htmx("GET", f"/tasks/{task.id}/edit")
    assert edit.status_code == 200
    row = edit.get_data(as_text=True)
    assert row.lstrip().startswith("<tr") and "<html" not in row
    assert 'name="version" value="1"' in row
    saved = client.form(f"/tasks/{task.id}", _full(task, progress=60), htmx=True)
    assert saved.status_code == 200
    fragment = saved.get_data(as_text=True)
    assert 'data-version="2"' in fragment and "saved-state" in fragment
    cancel = client.htmx("GET", f"/tasks/{task.id}")
    assert cancel.get_data(as_text=True).lstrip().startswith("<tr")


def test_plain_requests_get_full_pages_and_303(login_as, world):
    task = world["own_task"]
    client = _as(login_as, world, "lead")
    assert "<html" in client.get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    response = client.form(
        f"/tasks/{task.id}", _full(task) | {"next": "//evil.example/x"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/groups/{world['own_group'].id}"


def test_overdue_tasks_stand_out(login_as, world):
    task = world["own_task"]
    task.due_on = date(2020, 1, 1)
    db.session.commit()
    client = _as(login_as, world, "viewer")
    row = client.htmx("GET", f"/tasks/{task.id}").get_data(as_text=True)
    assert 'class="task-row overdue"' in row and "badge danger" in row


def test_assignee_is_a_search_among_people_who_may_be_assigned(login_as, world):
    task = world["own_task"]
    worker = factories.user("coordinator", full_name="Wendy Werkbaar")
    factories.user("viewer", full_name="Wendy Kijker")
    factories.user("coordinator", full_name="Wendy Weg", active=False)
    client = _as(login_as, world, "lead")
    row = client.htmx("GET", f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert 'name="assignee_id"' in row and "<select" in row  # the municipality
    assert f'id="task-{task.id}-assignee_id"' in row
    assert "Wendy" not in row  # nobody is listed before a search
    assert f'form="task-{task.id}-form"' in row.split('name="assignee_id_search"')[1]
    typed = client.htmx(
        "GET",
        "/choices/assignable?assignee_id_search=wendy"
        f"&form=task-{task.id}-form&target=task-{task.id}-assignee_id-matches",
    ).get_data(as_text=True)
    assert f'id="task-{task.id}-assignee_id-matches"' in typed
    assert f'name="assignee_id" value="{worker.id}" form="task-{task.id}-form"' in typed
    assert "Wendy Kijker" not in typed and "Wendy Weg" not in typed
    hostile = client.htmx(
        "GET", '/choices/assignable?assignee_id_search=wendy&form="><script>'
    ).get_data(as_text=True)
    assert "<script>" not in hostile and " form=" not in hostile


def test_assignee_must_be_someone_who_may_be_assigned(login_as, world):
    task = world["own_task"]
    viewer = factories.user("viewer")
    worker = factories.user("municipality")
    client = _as(login_as, world, "lead")
    refused = client.form(f"/tasks/{task.id}", _full(task, assignee_id=viewer.id))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)  # in the lead's language (Dutch)
    assert "Kies een persoon uit de gevonden namen." in page
    assert 'class="field-error"' in page
    assert db.session.get(Task, task.id).assignee_id is None
    saved = client.form(f"/tasks/{task.id}", _full(task, assignee_id=worker.id))
    assert saved.status_code == 303
    assert db.session.get(Task, task.id).assignee_id == worker.id


def test_current_assignee_may_stay_when_no_longer_assignable(login_as, world):
    task = world["assigned_task"]
    assignee = db.session.get(type(world["users"]["municipality"]), task.assignee_id)
    assignee.active = False
    db.session.commit()
    client = login_as("coordinator")
    page = client.get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert f'value="{assignee.id}" checked> {assignee.full_name}' in page
    saved = client.form(f"/tasks/{task.id}", _full(task, title="Kept"))
    assert saved.status_code == 303
    kept = db.session.get(Task, task.id)
    assert (kept.title, kept.assignee_id) == ("Kept", assignee.id)


def test_find_without_javascript_lists_matches_and_saves_nothing(login_as, world):
    task = world["own_task"]
    worker = factories.user("municipality", full_name="Frieda Vindbaar")
    client = _as(login_as, world, "lead")
    response = client.form(
        f"/tasks/{task.id}",
        _full(task, title="Not yet", assignee_id_search="vindb", find="assignee_id"),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'name="assignee_id" value="{worker.id}"> Frieda Vindbaar' in page
    assert 'value="Not yet"' in page  # what was typed stays in the form
    saved = db.session.get(Task, task.id)
    assert (saved.title, saved.version) == ("Own task", 1)


def _largest_select(html: str) -> int:
    """The number of options of the page's longest <select>."""
    selects = re.findall(r"<select\b.*?</select>", html, flags=re.S)
    return max((s.count("<option") for s in selects), default=0)


def test_municipality_is_a_search_not_a_select_of_every_municipality(login_as, world):
    for n in range(60):  # more than a select may list (issue 15)
        factories.municipality(f"Dorp {n:02d}")
    db.session.commit()
    task, group = world["own_task"], world["own_group"]
    client = _as(login_as, world, "lead")
    pages = {
        "edit page": client.get(f"/tasks/{task.id}/edit"),
        "edit row": client.htmx("GET", f"/tasks/{task.id}/edit"),
        "new page": client.get(f"/groups/{group.id}/tasks/new"),
        "new row": client.htmx("GET", f"/groups/{group.id}/tasks/new"),
    }
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert _largest_select(html) <= 50, name
        assert 'name="municipality_id_search"' in html, name
        assert "Dorp 07" not in html, name  # nothing listed before a search
    row = pages["edit row"].get_data(as_text=True)
    search = row.split('name="municipality_id_search"')[1]
    assert f'form="task-{task.id}-form"' in search
    typed = client.htmx(
        "GET",
        "/choices/workplace?municipality_id_search=meul"
        f"&form=task-{task.id}-form&target=task-{task.id}-municipality_id-matches",
    ).get_data(as_text=True)
    assert "Meulebeke" not in typed  # merged away: no new work concerns it
    typed = client.htmx(
        "GET",
        "/choices/workplace?municipality_id_search=dorp 0"
        f"&form=task-{task.id}-form&target=task-{task.id}-municipality_id-matches",
    ).get_data(as_text=True)
    assert f'id="task-{task.id}-municipality_id-matches"' in typed
    chosen = db.session.scalar(
        select(Municipality).where(Municipality.name == "Dorp 07")
    )
    assert (
        f'name="municipality_id" value="{chosen.id}" form="task-{task.id}-form">'
        " Dorp 07" in typed
    )
    saved = client.form(f"/tasks/{task.id}", _full(task, municipality_id=chosen.id))
    assert saved.status_code == 303
    assert db.session.get(Task, task.id).municipality_id == chosen.id
    created = client.form(
        f"/groups/{group.id}/tasks",
        {"title": "Voor Dorp 07", "status": "todo", "progress": "0",
         "municipality_id": str(chosen.id)},
    )  # fmt: skip
    assert created.status_code == 303
    new = db.session.scalar(select(Task).where(Task.title == "Voor Dorp 07"))
    assert new.municipality_id == chosen.id


@pytest.mark.parametrize("value", ["merged", "999999", "abc"])
def test_municipality_must_be_one_new_work_may_concern(login_as, world, value):
    task = world["own_task"]
    value = str(world["merged"].id) if value == "merged" else value
    client = _as(login_as, world, "lead")
    for htmx in (False, True):
        refused = client.form(
            f"/tasks/{task.id}", _full(task, municipality_id=value), htmx=htmx
        )
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)  # in the lead's language (Dutch)
        assert 'class="field-error"' in page
        if value != "abc":
            assert "Kies een gemeente uit de gevonden namen." in page
        saved = db.session.get(Task, task.id)
        assert (saved.municipality_id, saved.version) == (None, 1)
    refused = client.form(
        f"/groups/{world['own_group'].id}/tasks",
        {"title": "Nergens", "status": "todo", "progress": "0",
         "municipality_id": value},
    )  # fmt: skip
    assert refused.status_code == 422
    assert db.session.scalar(select(Task).where(Task.title == "Nergens")) is None


def test_current_municipality_may_stay_when_merged_since(login_as, world):
    task = world["own_task"]
    task.municipality_id = world["merged"].id
    db.session.commit()
    client = _as(login_as, world, "lead")
    page = client.get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert f'value="{world["merged"].id}" checked> Meulebeke' in page
    saved = client.form(f"/tasks/{task.id}", _full(task, title="Kept"))
    assert saved.status_code == 303
    kept = db.session.get(Task, task.id)
    assert (kept.title, kept.municipality_id) == ("Kept", world["merged"].id)
