"""Bulk update by Excel (issue 28 item 4): the tasks export, edited with openpyxl
and uploaded, previews its changes cell by cell and applies them all or nothing
(per role, a conflict since the export, bad files and cells)."""

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

from app.activity.models import Activity
from app.extensions import db
from app.notifications.models import Notification
from app.work.models import Task
from tests import factories

HEADER_EN = (
    "Task",
    "Theme",
    "Working group",
    "Status",
    "Progress",
    "Start date",
    "Due date",
    "Overdue",
    "Assignee",
    "Municipality concerned",
    "Task id",
    "Version",
)


@pytest.fixture
def world(app):
    home = factories.municipality("Izegem")
    lead = factories.user("lead", home, full_name="Lea Lead", language="en")
    leaving = factories.user("municipality", home, full_name="Vera Vertrek")
    taker = factories.user(
        "municipality", home, full_name="Nico Nieuw", email="nico@izegem.example"
    )
    theme = factories.theme(title="Connectiviteit")
    group = factories.group(theme, leads=[lead], name="Werkgroep glasvezel")
    other_group = factories.group(theme, name="Werkgroep 5G")
    tasks = [
        factories.task(
            group,
            title=f"Taak {i}",
            due_on=date(2026, 4, 3 + i),
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


def _export(client, query: str = "") -> Workbook:
    response = client.get(f"/exports/tasks.xlsx{query}")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def _rows(workbook) -> dict[int, tuple]:
    """The export's rows by task id (the 11th column)."""
    return {row[10]: row for row in workbook.worksheets[0].iter_rows(values_only=True)}


def _row_of(workbook, task) -> int:
    sheet = workbook.worksheets[0]
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if row[10] == task.id:
            return number
    raise AssertionError(f"task {task.id} not exported")


def _edit(workbook, task, **cells) -> None:
    """Change cells of `task`'s row by column letter (A=title, D=status, ...)."""
    number = _row_of(workbook, task)
    for column, value in cells.items():
        workbook.worksheets[0][f"{column}{number}"] = value


def _bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, data: bytes, filename="tasks.xlsx"):
    return client.form(
        "/imports/tasks",
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _token(html: str) -> str | None:
    found = re.search(r'name="token" value="([^"]+)"', html)
    return found.group(1) if found else None


def _state(tasks) -> list[tuple]:
    db.session.expire_all()
    return [
        (t.title, t.status, t.start_on, t.due_on, t.assignee_id, t.version)
        for t in (db.session.get(Task, task.id) for task in tasks)
    ]


def _entries(tasks) -> int:
    return db.session.scalar(
        select(func.count(Activity.id)).where(
            Activity.entity_type == "task",
            Activity.entity_id.in_([t.id for t in tasks]),
        )
    )


def test_the_export_ends_with_the_task_id_and_version(world, login_as):
    client = login_as("coordinator", language="en")
    sheet = _export(client).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADER_EN  # the spec's ten columns first, unchanged
    by_id = {row[10]: row for row in rows[1:]}
    task = world["tasks"][0]
    assert by_id[task.id] == (
        "Taak 0",
        "Connectiviteit",
        "Werkgroep glasvezel",
        "To do",
        0,
        datetime(2026, 4, 1),
        datetime(2026, 4, 3),
        by_id[task.id][7],  # overdue depends on today
        "Vera Vertrek",
        None,  # no municipality concerned: an empty cell
        task.id,
        task.version,
    )
    assert all(isinstance(row[10], int) and row[11] >= 1 for row in rows[1:])


def test_export_edit_upload_preview_apply_and_export_again(world, login_as):
    client = login_as(world["lead"])
    tasks, taker = world["tasks"], world["taker"]
    before = _state([*tasks, world["foreign"]])
    workbook = _export(client)
    _edit(workbook, tasks[0], A="Taak 0 herzien", I="Nico Nieuw")
    _edit(workbook, tasks[1], D="Done", G=datetime(2026, 6, 30))
    _edit(workbook, tasks[2], F="01/04/2026", I="nico@izegem.example")
    response = _upload(client, _bytes(workbook))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "data-import-error" not in html
    row0, row1, row2 = (_row_of(workbook, t) for t in tasks)
    # Per task and per cell: old → new, the cell named; unchanged rows absent.
    for expected in (
        f'data-change="{tasks[0].id}-A{row0}"',
        f'data-change="{tasks[0].id}-I{row0}"',
        f'data-change="{tasks[1].id}-D{row1}"',
        f'data-change="{tasks[1].id}-G{row1}"',
        f'data-change="{tasks[2].id}-F{row2}"',
        f'data-change="{tasks[2].id}-I{row2}"',
    ):
        assert expected in html
    assert html.count("data-change=") == 7  # and the progress that "done" sets
    assert "Taak 0 herzien" in html and "Nico Nieuw" in html and "Vera Vertrek" in html
    assert "Andermans taak" not in html  # unchanged: not listed
    assert "3 tasks change; 1 stay the same." in html
    assert _state([*tasks, world["foreign"]]) == before  # the preview writes nothing

    token = _token(html)
    response = client.form("/imports/tasks/apply", {"token": token})
    assert response.status_code == 303
    after = {t.id: t for t in (db.session.get(Task, t.id) for t in tasks)}
    assert after[tasks[0].id].title == "Taak 0 herzien"
    assert after[tasks[0].id].assignee_id == taker.id
    assert (after[tasks[1].id].status, after[tasks[1].id].progress) == ("done", 100)
    assert after[tasks[1].id].due_on == date(2026, 6, 30)
    assert after[tasks[2].id].start_on == date(2026, 4, 1)
    assert after[tasks[2].id].assignee_id == taker.id
    assert _entries(tasks) == 3  # one activity entry per task
    assert _state([world["foreign"]]) == before[3:]
    # The same events as the web bulk actions: the new assignee is told.
    told = db.session.scalars(
        select(Notification.object_id).where(
            Notification.user_id == taker.id, Notification.kind == "task_assigned"
        )
    ).all()
    assert sorted(told) == sorted([tasks[0].id, tasks[2].id])

    # A second apply of the same preview does nothing twice.
    again = client.form("/imports/tasks/apply", {"token": token})
    assert again.status_code == 422
    assert "expired or was used" in again.get_data(as_text=True)
    assert _entries(tasks) == 3

    # The export afterwards holds the new values, cell by cell.
    rows = _rows(_export(client))
    assert rows[tasks[0].id][0] == "Taak 0 herzien"
    assert rows[tasks[0].id][8] == "Nico Nieuw"
    assert rows[tasks[1].id][3] == "Done"
    assert rows[tasks[1].id][4] == 1  # 100 %
    assert rows[tasks[1].id][6] == datetime(2026, 6, 30)
    assert rows[tasks[2].id][5] == datetime(2026, 4, 1)
    assert rows[tasks[2].id][8] == "Nico Nieuw"
    assert [rows[t.id][11] for t in tasks] == [t.version for t in tasks]
    assert [t.version for t in tasks] == [v + 1 for *_x, v in before[:3]]


def test_a_file_without_changes_says_so_and_keeps_no_preview(world, login_as):
    client = login_as(world["lead"])
    html = _upload(client, _bytes(_export(client))).get_data(as_text=True)
    assert "data-no-changes" in html
    assert _token(html) is None


def test_a_lead_may_not_change_tasks_of_other_groups(world, login_as):
    client = login_as(world["lead"])
    before = _state([*world["tasks"], world["foreign"]])
    workbook = _export(client)
    _edit(workbook, world["tasks"][0], A="Mijn taak")
    _edit(workbook, world["foreign"], A="Overgenomen")
    response = _upload(client, _bytes(workbook))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    row = _row_of(workbook, world["foreign"])
    assert (
        f"Row {row}: you may not change task &#39;Andermans taak&#39;; the row is"
        " refused." in html
    )
    assert _token(html) is None  # nothing to apply: all or nothing
    assert _state([*world["tasks"], world["foreign"]]) == before


def test_a_coordinator_may_change_any_task(world, login_as):
    client = login_as("coordinator", language="en")
    workbook = _export(client)
    _edit(workbook, world["foreign"], A="Overgenomen", D="Blocked")
    html = _upload(client, _bytes(workbook)).get_data(as_text=True)
    assert (
        client.form("/imports/tasks/apply", {"token": _token(html)}).status_code == 303
    )
    foreign = db.session.get(Task, world["foreign"].id)
    assert (foreign.title, foreign.status) == ("Overgenomen", "blocked")


@pytest.mark.parametrize("role", ["viewer", "municipality"])
def test_who_may_not_bulk_edit_gets_403_and_no_upload(world, login_as, role):
    client = login_as(role)
    lead = login_as(world["lead"])
    workbook = _export(lead)
    _edit(workbook, world["tasks"][0], A="Gekaapt")
    client = login_as(role)
    assert client.get("/imports/tasks").status_code == 403
    assert _upload(client, _bytes(workbook)).status_code == 403
    assert client.form("/imports/tasks/apply", {"token": "x" * 43}).status_code == 403
    assert 'action="/imports/tasks"' not in client.get("/tasks").get_data(as_text=True)
    assert _state(world["tasks"][:1])[0][0] == "Taak 0"


def test_the_task_list_offers_the_upload_to_who_may_bulk_edit(world, login_as):
    page = login_as(world["lead"]).get("/tasks").get_data(as_text=True)
    assert 'action="/imports/tasks"' in page
    assert 'enctype="multipart/form-data"' in page


def test_a_task_changed_since_the_export_refuses_the_whole_file(world, login_as):
    client = login_as(world["lead"])
    workbook = _export(client)
    _edit(workbook, world["tasks"][0], A="Nieuw 0")
    _edit(workbook, world["tasks"][1], A="Nieuw 1")
    # Someone else saves task 1 after the export.
    other = factories.user("coordinator", full_name="Cora Collega")
    db.session.execute(
        update(Task)
        .where(Task.id == world["tasks"][1].id)
        .values(version=Task.version + 1, updated_by_id=other.id, status="blocked")
    )
    db.session.commit()
    before = _state(world["tasks"])
    response = _upload(client, _bytes(workbook))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    row = _row_of(workbook, world["tasks"][1])
    assert (
        f"Row {row}: task &#39;Taak 1&#39; was changed by Cora Collega since the"
        " export." in html
    )
    assert html.count("data-import-conflict") == 1
    assert _token(html) is None
    assert _state(world["tasks"]) == before


def test_a_change_between_preview_and_apply_refuses_the_whole_batch(world, login_as):
    client = login_as(world["lead"])
    workbook = _export(client)
    _edit(workbook, world["tasks"][0], A="Nieuw 0")
    _edit(workbook, world["tasks"][1], A="Nieuw 1")
    html = _upload(client, _bytes(workbook)).get_data(as_text=True)
    db.session.execute(
        update(Task)
        .where(Task.id == world["tasks"][1].id)
        .values(version=Task.version + 1, status="blocked")
    )
    db.session.commit()
    before = _state(world["tasks"])
    response = client.form("/imports/tasks/apply", {"token": _token(html)})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f'data-task-id="{world["tasks"][1].id}"' in page
    assert f'data-task-id="{world["tasks"][0].id}"' not in page
    assert _state(world["tasks"]) == before  # task 0 unchanged too
    assert _entries(world["tasks"]) == 0


def test_a_preview_is_bound_to_its_uploader_and_to_its_kind(world, login_as):
    workbook = _export(login_as(world["lead"]))
    _edit(workbook, world["tasks"][0], A="Nieuw 0")
    lead = login_as(world["lead"])
    token = _token(_upload(lead, _bytes(workbook)).get_data(as_text=True))
    other = login_as("coordinator")
    assert other.form("/imports/tasks/apply", {"token": token}).status_code == 422
    # Nor does a task preview pass as a score import.
    lead = login_as(world["lead"])
    token = _token(_upload(lead, _bytes(workbook)).get_data(as_text=True))
    coordinator = login_as("coordinator")
    html = _upload(coordinator, _bytes(workbook)).get_data(as_text=True)
    assert (
        coordinator.form("/imports/scores/apply", {"token": _token(html)}).status_code
        == 422
    )
    assert _state(world["tasks"][:1])[0][0] == "Taak 0"


def _bad_cells(world, workbook) -> tuple:
    task = world["tasks"][0]
    cases = {
        "date": {"G": "31/02/2026"},
        "status": {"D": "Bijna klaar"},
        "assignee": {"I": "Niemand Bekend"},
        "title": {"A": None},
        "start_after_due": {"F": datetime(2026, 5, 1)},
        "id": {"K": 999999},
        "no id": {"K": None},
        "version": {"L": None},
    }
    return task, cases


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("date", "G{row}: '31/02/2026' is not a date (like 28/11/2026)."),
        ("status", "D{row}: unknown status 'Bijna klaar' (one of: To do,"),
        ("assignee", "I{row}: unknown assignee 'Niemand Bekend'"),
        ("title", "A{row}: the title is empty."),
        ("start_after_due", "F{row}: the start date cannot be after the due date."),
        ("id", "K{row}: unknown task 999999."),
        ("no id", "K{row}: the task id is missing; new tasks cannot be added"),
        ("version", "L{row}: the version is missing"),
    ],
)
def test_a_bad_cell_is_named_and_changes_nothing(world, login_as, case, message):
    client = login_as(world["lead"])
    workbook = _export(client)
    task, cases = _bad_cells(world, workbook)
    _edit(workbook, world["tasks"][1], A="Goede wijziging")  # refused with it
    _edit(workbook, task, **cases[case])
    before = _state(world["tasks"])
    response = _upload(client, _bytes(workbook))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    row = _row_of(workbook, task) if case not in ("id", "no id") else None
    if row is None:
        row = next(
            n
            for n, r in enumerate(
                workbook.worksheets[0].iter_rows(values_only=True), start=1
            )
            if r[0] == "Taak 0"
        )
    assert message.format(row=row).replace("'", "&#39;") in html
    assert _token(html) is None
    assert _state(world["tasks"]) == before


def test_a_name_two_people_share_asks_for_the_email(world, login_as):
    factories.user("municipality", full_name="Nico Nieuw")
    client = login_as(world["lead"])
    workbook = _export(client)
    _edit(workbook, world["tasks"][0], I="nico nieuw")
    html = _upload(client, _bytes(workbook)).get_data(as_text=True)
    assert "several people are called &#39;nico nieuw&#39;" in html
    _edit(workbook, world["tasks"][0], I="NICO@izegem.example")
    html = _upload(client, _bytes(workbook)).get_data(as_text=True)
    assert _token(html) is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a workbook at all", "This file is not an Excel workbook (.xlsx)."),
        (None, "A1: the first sheet must be the tasks export"),
    ],
    ids=["not-xlsx", "wrong-header"],
)
def test_a_bad_file_gets_a_clear_message(world, login_as, data, message):
    client = login_as(world["lead"])
    if data is None:
        other = Workbook()
        other.active.append(["Code", "Thread", "Izegem"])
        other.active.append(["RD01", "x", 5])
        data = _bytes(other)
    before = _state(world["tasks"])
    response = _upload(client, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _state(world["tasks"]) == before


def test_no_file_is_a_422_with_a_message(world, login_as):
    client = login_as(world["lead"])
    response = client.form("/imports/tasks", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file." in response.get_data(as_text=True)


def test_messages_are_in_the_users_language_and_either_header_is_read(world, login_as):
    dutch = login_as("coordinator", language="nl")
    workbook = _export(dutch)  # Dutch header and labels
    assert workbook.worksheets[0]["K1"].value == "Taak-id"
    _edit(workbook, world["tasks"][0], D="Klaar", G="bogus")
    html = _upload(dutch, _bytes(workbook)).get_data(as_text=True)
    row = _row_of(workbook, world["tasks"][0])
    assert f"G{row}: &#39;bogus&#39; is geen datum (zoals 28/11/2026)." in html
    english = login_as("coordinator", language="en")
    _edit(workbook, world["tasks"][0], G=datetime(2026, 7, 1))
    response = _upload(english, _bytes(workbook))  # a Dutch file, an English reader
    assert response.status_code == 200
    assert (
        english.form(
            "/imports/tasks/apply", {"token": _token(response.get_data(as_text=True))}
        ).status_code
        == 303
    )
    task = db.session.get(Task, world["tasks"][0].id)
    assert (task.status, task.due_on) == ("done", date(2026, 7, 1))


def test_a_file_over_the_size_limit_is_a_413_with_a_message(app, world, login_as):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    client = login_as(world["lead"])
    client.fetch_csrf("/imports/tasks")
    before = _state(world["tasks"])
    response = _upload(client, b"PK\x03\x04" + b"\0" * (200 * 1024))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The file is too large (at most 0.06 MB)." in html  # the lead's English
    assert _state(world["tasks"]) == before


def test_a_formula_counts_with_its_value_and_one_without_is_an_error(world, login_as):
    client = login_as(world["lead"])
    workbook = _export(client)
    row = _row_of(workbook, world["tasks"][0])
    # openpyxl writes a formula without a computed value (Excel stores one).
    workbook.worksheets[0][f"I{row}"] = '="Nico "&"Nieuw"'
    before = _state(world["tasks"])
    response = _upload(client, _bytes(workbook))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"I{row}: a formula without a computed value." in html
    assert _token(html) is None
    assert _state(world["tasks"]) == before  # the assignee is not cleared


def test_a_task_may_not_start_before_the_one_it_starts_after_is_done(world, login_as):
    from app.work.models import TaskDependency

    first, second = world["tasks"][0], world["tasks"][1]
    db.session.add(TaskDependency(task_id=second.id, after_id=first.id))
    db.session.commit()
    client = login_as(world["lead"])
    workbook = _export(client)
    _edit(workbook, second, D="In progress")
    before = _state(world["tasks"])
    html = _upload(client, _bytes(workbook)).get_data(as_text=True)
    row = _row_of(workbook, second)
    assert f"D{row}: This task starts after “Taak 0”, which is not done yet" in html
    assert _token(html) is None
    assert _state(world["tasks"]) == before
    # Done in the same file: the next one may start.
    _edit(workbook, first, D="Done")
    html = _upload(client, _bytes(workbook)).get_data(as_text=True)
    assert (
        client.form("/imports/tasks/apply", {"token": _token(html)}).status_code == 303
    )
    assert [t[1] for t in _state([first, second])] == ["done", "in_progress"]


def test_an_import_marking_a_recurring_task_done_creates_its_next(world, login_as):
    from app.work.models import TaskRecurrence

    task = world["tasks"][1]  # due Saturday 4/4/2026
    db.session.add(TaskRecurrence(task_id=task.id, kind="quarterly"))
    db.session.commit()
    before = db.session.scalar(select(func.count(Task.id)))
    client = login_as(world["lead"])
    workbook = _export(client)
    _edit(workbook, task, D="Done")
    html = _upload(client, _bytes(workbook)).get_data(as_text=True)
    response = client.form("/imports/tasks/apply", {"token": _token(html)})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Task.id))) == before + 1
    db.session.expire_all()
    next_id = db.session.get(TaskRecurrence, task.id).next_task_id
    following = db.session.get(Task, next_id)
    # Three months later, 4/7/2026, is a Saturday: Friday 3/7.
    assert (following.title, following.status, following.due_on) == (
        "Taak 1",
        "todo",
        date(2026, 7, 3),
    )
    assert db.session.get(TaskRecurrence, next_id).kind == "quarterly"
    assert _entries([following]) == 1


def test_a_predecessor_reopened_after_the_preview_refuses_the_apply(world, login_as):
    from app.work.models import TaskDependency

    first, second = world["tasks"][0], world["tasks"][1]
    first.status, first.progress = "done", 100
    db.session.add(TaskDependency(task_id=second.id, after_id=first.id))
    db.session.commit()
    client = login_as(world["lead"])
    workbook = _export(client)
    _edit(workbook, second, D="In progress")
    html = _upload(client, _bytes(workbook)).get_data(as_text=True)
    token = _token(html)
    assert token is not None
    first = db.session.get(Task, first.id)
    first.status, first.progress = (
        "todo",
        0,
    )  # reopened meanwhile (the file does not touch it)
    db.session.commit()
    before = _state(world["tasks"])
    response = client.form("/imports/tasks/apply", {"token": token})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Nothing was changed: these tasks may not start yet." in text
    assert "Taak 1: This task starts after “Taak 0”, which is not done yet" in text
    assert _state(world["tasks"]) == before
    assert _entries([second]) == 0
