"""Tasks have an optional start date; the theme timeline draws start to due."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import clock
from app.api import tokens
from app.extensions import db
from app.work.models import Task
from tests import factories


@pytest.fixture
def timeline_world(app):
    today = clock.today()
    theme = factories.theme(title="Timeline theme")
    group = factories.group(theme, name="Planners")
    spanned = factories.task(
        group,
        title="Spanned",
        start_on=today - timedelta(days=5),
        due_on=today + timedelta(days=20),
    )
    pinned = factories.task(group, title="Pinned", due_on=today + timedelta(days=10))
    db.session.commit()
    return {"theme": theme, "group": group, "spanned": spanned, "pinned": pinned}


def _item(svg: str, title: str) -> str:
    """The <g> of one task in the timeline's SVG."""
    for block in re.findall(r'<g class="timeline-item kind-task.*?</g>', svg, re.S):
        if f"<title>{title}</title>" in block:
            return block
    raise AssertionError(f"{title} is not on the timeline")


def test_timeline_bar_from_start_to_due_and_marker_without_start(
    login_as, timeline_world
):
    client = login_as("viewer")
    page = client.get(f"/themes/{timeline_world['theme'].id}").get_data(as_text=True)
    svg = re.search(r"<svg class=\"timeline-svg\".*?</svg>", page, re.S).group(0)
    assert 'aria-hidden="true"' in svg.split(">", 1)[0]  # the table speaks for it
    spanned = _item(svg, "Spanned")
    bar = re.search(
        r'<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', spanned
    )
    circle = re.search(r'<circle class="marker" cx="([\d.]+)"', spanned)
    assert bar and circle  # a bar, and the due-date marker at its end
    start_x, width, due_x = (
        float(bar.group(1)),
        float(bar.group(2)),
        float(circle.group(1)),
    )
    assert width > 0 and abs(start_x + width - due_x) < 0.2
    pinned = _item(svg, "Pinned")
    assert 'class="bar"' not in pinned and '<circle class="marker"' in pinned
    # the text alternative: task, start, due and status in a table
    table = re.search(r'<details class="timeline-table">.*?</details>', page, re.S)
    rows = re.findall(r"<tr[^>]*data-kind=\"task\">(.*?)</tr>", table.group(0), re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in rows]
    today = clock.today()
    by_title = {re.sub(r"<[^>]+>", "", c[2]).strip(): c for c in cells}
    start, due = today - timedelta(days=5), today + timedelta(days=20)
    assert by_title["Spanned"][0] == start.strftime("%d/%m/%Y")
    assert by_title["Spanned"][1] == due.strftime("%d/%m/%Y")
    assert by_title["Pinned"][0] == ""
    assert by_title["Pinned"][3].strip() == "Te doen"  # the status, in Dutch


def _form(task: Task, **values) -> dict:
    data = {
        "title": task.title,
        "status": task.status,
        "progress": str(task.progress),
        "start_on": task.start_on.isoformat() if task.start_on else "",
        "due_on": task.due_on.isoformat() if task.due_on else "",
        "assignee_id": "",
        "municipality_id": "",
        "version": str(task.version),
    }
    return data | values


@pytest.mark.parametrize("htmx", [False, True])
def test_a_start_after_the_due_date_is_refused_and_changes_nothing(
    login_as, timeline_world, htmx
):
    task = timeline_world["spanned"]
    before = (task.start_on, task.due_on, task.version)
    client = login_as("coordinator")
    late_start = (task.due_on + timedelta(days=1)).isoformat()
    response = client.form(
        f"/tasks/{task.id}", _form(task, start_on=late_start), htmx=htmx
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "De startdatum kan niet na de deadline liggen." in page
    assert ("<html" in page) is not htmx
    db.session.expire_all()
    saved = db.session.get(Task, task.id)
    assert (saved.start_on, saved.due_on, saved.version) == before


def test_a_new_task_with_a_late_start_is_not_created(login_as, timeline_world):
    client = login_as("coordinator")
    group_id = timeline_world["group"].id
    count = db.session.scalar(select(func.count(Task.id)))
    response = client.form(
        f"/groups/{group_id}/tasks",
        {
            "title": "Backwards",
            "status": "todo",
            "progress": "0",
            "start_on": "2027-03-02",
            "due_on": "2027-03-01",
        },
        htmx=True,
    )
    assert response.status_code == 422
    assert "De startdatum kan niet na de deadline liggen." in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count(Task.id))) == count


def test_start_date_is_saved_shown_exported_and_in_the_api(login_as, timeline_world):
    task = timeline_world["pinned"]
    client = login_as("coordinator")
    response = client.form(
        f"/tasks/{task.id}", _form(task, start_on="01/02/2027", due_on="2027-02-28")
    )
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Task, task.id)
    assert saved.start_on.isoformat() == "2027-02-01"
    # the edit form shows it back, the list row names it
    assert 'value="2027-02-01"' in client.get(f"/tasks/{task.id}/edit").get_data(
        as_text=True
    )
    assert "vanaf 01/02/2027" in client.get("/tasks").get_data(as_text=True)
    # a start date alone (no due date) is fine too, and can be cleared
    response = client.form(
        f"/tasks/{saved.id}", _form(saved, start_on="2027-02-01", due_on="")
    )
    assert response.status_code == 303
    # the export has a start date column, as a date
    response = client.get("/exports/tasks.xlsx")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    start_column = rows[0].index("Startdatum")
    exported = {row[0]: row[start_column] for row in rows[1:]}
    assert exported["Pinned"].date().isoformat() == "2027-02-01"
    assert exported["Spanned"].date() == timeline_world["spanned"].start_on


def test_the_api_gives_the_start_date(client, timeline_world):
    user = factories.user("coordinator")
    _row, raw = tokens.create_token(user, "test")
    db.session.commit()
    body = client.get(
        "/api/v1/tasks", headers={"Authorization": f"Bearer {raw}"}
    ).get_json()
    starts = {item["title"]: item["start_on"] for item in body["items"]}
    spanned = timeline_world["spanned"].start_on.isoformat()
    assert starts == {"Spanned": spanned, "Pinned": None}
