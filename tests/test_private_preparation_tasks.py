"""Issue 12, finding 2: a task that prepares a dossier is seen exactly by those
who may see the dossier, on every page, feed, digest and export; the figures every
reader shares leave such tasks out."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app import clock
from app.deadlines.reminders import digests
from app.extensions import db
from app.subsidies.dossiers import create_application
from app.work.models import Task
from app.work.progress import group_progress, municipality_progress, theme_progress
from tests import factories
from tests.conftest import sign_in_session

DOSSIER = "Zeta dossier"
#: The roles that may see the dossier, and so its preparation tasks.
SEES = ("coordinator", "dossier_lead", "partner")
HIDDEN = ("uninvolved_lead", "uninvolved", "viewer")
ROLES = SEES + HIDDEN


@pytest.fixture
def world(app):
    """A dossier of Izegem with Tielt as partner, its generated preparation tasks
    in a group led by someone from Lichtervelde, and one regional task."""
    today = clock.today()
    home = factories.municipality("Izegem")
    partner_place = factories.municipality("Tielt")
    elsewhere = factories.municipality("Lichtervelde")
    users = {
        "coordinator": factories.user("coordinator"),
        "dossier_lead": factories.user("municipality", home),
        "partner": factories.user("municipality", partner_place),
        "uninvolved_lead": factories.user("lead", elsewhere),
        "uninvolved": factories.user("municipality", elsewhere),
        "viewer": factories.user("viewer"),
    }
    theme = factories.theme(title="Digital counter")
    group = factories.group(theme, leads=[users["uninvolved_lead"]], name="Counter")
    regional = factories.task(
        group,
        title="Regional kick-off",
        due_on=today + timedelta(days=3),
        municipality_id=home.id,
        assignee_id=users["uninvolved"].id,
    )
    call = factories.call(
        title="Open call",
        deadline_at=clock.now_utc() + timedelta(days=20),
        preparation_template=[
            {"title": "Conceptnota", "days_before": 25},  # overdue already
            {"title": "Begroting", "days_before": 10},  # in the coming fortnight
        ],
    )
    with app.test_request_context():  # the task description is translated
        application = create_application(
            {
                "call_id": call.id,
                "title": DOSSIER,
                "lead_municipality_id": home.id,
                "theme_id": theme.id,
                "owner_id": users["dossier_lead"].id,
                "requested_amount": Decimal("50000"),
            },
            users["coordinator"],
        )
    factories.partner(application, partner_place)
    db.session.commit()
    prepared = list(
        db.session.scalars(db.select(Task).where(Task.application_id.is_not(None)))
    )
    assert len(prepared) == 2
    assert all(DOSSIER in t.title for t in prepared)
    return {
        "home": home,
        "users": users,
        "theme": theme,
        "group": group,
        "regional": regional,
        "application": application,
        "prepared": prepared,
    }


def _as(client, world, role):
    sign_in_session(client, world["users"][role])
    return client


def _workbook_text(response) -> str:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    return "\n".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def _pages(world) -> list[str]:
    return [
        "/",
        "/tasks",
        f"/tasks?group={world['group'].id}",
        f"/groups/{world['group'].id}",
        "/deadlines",
        "/deadlines?scope=region",
        f"/themes/{world['theme'].id}",
        f"/municipalities/{world['home'].slug}",
        "/activity",
    ]


EXPORTS = ("tasks", "forum-report", "municipality-izegem")


@pytest.mark.parametrize("role", HIDDEN)
def test_pages_and_exports_show_nothing_of_the_dossier(world, client, role):
    _as(client, world, role)
    for url in _pages(world):
        body = client.get(url).get_data(as_text=True)
        assert DOSSIER not in body, url
        assert "Conceptnota" not in body, url
    for name in EXPORTS:
        text = _workbook_text(client.get(f"/exports/{name}.xlsx"))
        assert DOSSIER not in text, name
    # The regional task is there all the same: the pages did show tasks.
    assert "Regional kick-off" in client.get("/tasks").get_data(as_text=True)
    assert "Regional kick-off" in _workbook_text(client.get("/exports/tasks.xlsx"))


@pytest.mark.parametrize("role", SEES)
def test_those_who_see_the_dossier_see_its_tasks(world, client, role):
    _as(client, world, role)
    task_title = f"Conceptnota – {DOSSIER}"
    for url in (
        "/tasks",
        f"/groups/{world['group'].id}",
        "/deadlines?scope=region",
        f"/themes/{world['theme'].id}",
        f"/municipalities/{world['home'].slug}",
        "/activity",
    ):
        body = client.get(url).get_data(as_text=True)
        assert task_title in body, url
    for name in EXPORTS:
        assert task_title in _workbook_text(client.get(f"/exports/{name}.xlsx")), name


@pytest.mark.parametrize("role", ROLES)
def test_task_page_and_dossier_link(world, client, role):
    _as(client, world, role)
    task = world["prepared"][0]
    link = f'href="/applications/{world["application"].id}"'
    response = client.get(f"/tasks/{task.id}")
    if role in SEES:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert task.title in body
        assert link in body
    else:
        assert response.status_code == 404
        assert DOSSIER not in response.get_data(as_text=True)
        fragment = client.get(f"/tasks/{task.id}", headers={"HX-Request": "true"})
        assert fragment.status_code == 404
    # The regional task's page has no dossier link for anyone.
    regional = client.get(f"/tasks/{world['regional'].id}")
    assert regional.status_code == 200
    assert "/applications/" not in regional.get_data(as_text=True)


def test_the_group_lead_outside_the_dossier_cannot_touch_its_tasks(world, client):
    """Leading the group the tasks landed in gives no access to them."""
    _as(client, world, "uninvolved_lead")
    task = world["prepared"][1]
    before = (task.title, task.status, task.progress, task.version)
    assert client.get(f"/tasks/{task.id}/edit").status_code == 404
    assert client.get(f"/tasks/{task.id}/delete").status_code == 404
    response = client.form(
        f"/tasks/{task.id}",
        {"status": "done", "progress": "100", "version": str(task.version)},
    )
    assert response.status_code == 404
    assert client.form(f"/tasks/{task.id}/delete").status_code == 404
    db.session.refresh(task)
    assert (task.title, task.status, task.progress, task.version) == before
    # Their own group's regional task stays theirs to edit.
    assert client.get(f"/tasks/{world['regional'].id}/edit").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_calendar_feed(world, client, role):
    user = world["users"][role]
    body = client.get(f"/calendar/{user.calendar_token}.ics").get_data(as_text=True)
    # The owner is assigned the tasks; the uninvolved lead leads their group.
    if role in ("coordinator", "dossier_lead"):
        assert f"Conceptnota – {DOSSIER}" in body
    if role in HIDDEN:
        assert DOSSIER not in body
    if role == "uninvolved_lead":
        assert "Regional kick-off" in body  # the group's task is in the feed


def test_reminder_digests(world):
    items = {d.user.id: [i.title for i in d.items] for d in digests(30)}
    users = world["users"]
    assert any(DOSSIER in t for t in items[users["dossier_lead"].id])
    assert "Regional kick-off" in items[users["uninvolved_lead"].id]
    for role in HIDDEN:
        assert not any(DOSSIER in t for t in items.get(users[role].id, [])), role


@pytest.mark.parametrize("role", ROLES)
def test_activity_about_the_tasks(world, client, role):
    _as(client, world, role)
    body = client.get("/activity?kind=task").get_data(as_text=True)
    if role in SEES:
        assert f"Conceptnota – {DOSSIER}" in body
    else:
        assert DOSSIER not in body


def test_shared_figures_leave_preparation_tasks_out(world, client):
    """Progress per group, theme and municipality counts the regional task only,
    the same for every reader."""
    group, theme, home = world["group"], world["theme"], world["home"]
    assert group_progress([group.id])[group.id].total == 1
    assert theme_progress([theme.id])[theme.id].total == 1
    assert municipality_progress([home.id])[home.id].tasks.total == 1
    for role in ROLES:
        _as(client, world, role)
        body = client.get(f"/groups/{group.id}").get_data(as_text=True)
        assert '<strong data-figure="done">0 / 1</strong>' in body, role
        summary = load_workbook(
            io.BytesIO(client.get("/exports/forum-report.xlsx").data)
        ).worksheets[0]
        figures = {row[0]: row[1] for row in summary.iter_rows(values_only=True)}
        assert figures["Open taken"] == 1, role
        assert figures["Taken te laat"] == 0, role


def test_history_of_a_deleted_preparation_task_stays_with_its_dossier(world, client):
    """Once the task is gone its entries cannot be checked against it: they move
    to the dossier, whose entries only those who may open the dossier read."""
    task_id = world["prepared"][0].id
    _as(client, world, "coordinator")
    assert client.form(f"/tasks/{task_id}/delete").status_code == 303
    assert db.session.get(Task, task_id) is None
    for role in ROLES:
        _as(client, world, role)
        body = client.get("/activity").get_data(as_text=True)
        if role in SEES:
            assert f"Conceptnota – {DOSSIER}" in body, role
        else:
            assert "Conceptnota" not in body, role
    _as(client, world, "dossier_lead")
    dossier = client.get(f"/applications/{world['application'].id}")
    assert f"Conceptnota – {DOSSIER}" in dossier.get_data(as_text=True)
