"""Authorization beyond the route table: a refused change changes nothing at all,
and fields a form does not offer (role, municipality, version, other ids) are
ignored or refused (mass assignment)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect, select, text

from app.activity.models import Activity
from app.auth.models import User
from app.extensions import db
from app.strategy.models import Score
from app.subsidies.models import Application
from app.work.models import Rollout, Task, WorkingGroup
from tests.hostile import read_form
from tests.route_rows import ROLE_USERS, ROLES, collect

ROUTES, PLACEHOLDERS = collect()
DENIED = (302, 401, 403, 404)
CASES = [
    (route, role)
    for route in ROUTES
    if route.method != "GET"
    for role in ROLES
    if route.expected[role] in DENIED
]


def _resolve(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(PLACEHOLDERS[m.group(1)]()), path)


def snapshot() -> dict[str, list]:
    """Every row of every table, in a stable order."""
    tables = inspect(db.engine).get_table_names()
    state = {}
    for table in sorted(tables):
        if table == "alembic_version":
            continue
        rows = db.session.execute(text(f'SELECT * FROM "{table}" ORDER BY 1'))  # noqa: S608 - table names from the schema
        state[table] = [tuple(map(str, row)) for row in rows]
    return state


@pytest.mark.parametrize(
    ("route", "role"), CASES, ids=[f"{r.label} as {role}" for r, role in CASES]
)
def test_a_refused_change_changes_nothing(
    demo_app, demo_client, demo_login, route, role
):
    client = demo_login(ROLE_USERS[role]) if role != "anonymous" else demo_client
    url = _resolve(route.path)
    data = {k: _resolve(v) if isinstance(v, str) else v for k, v in route.data.items()}
    client.fetch_csrf("/login" if role == "anonymous" else "/profile")
    before = snapshot()
    activities = db.session.scalar(select(db.func.count(Activity.id)))
    if route.htmx:
        response = client.htmx(route.method, url, data=data)
    else:
        response = client.open(
            url, method=route.method, data=dict(data, csrf_token=client.csrf_token)
        )
    assert response.status_code == route.expected[role]
    assert db.session.scalar(select(db.func.count(Activity.id))) == activities
    assert snapshot() == before


# --- mass assignment -----------------------------------------------------------


@pytest.fixture
def ids(demo_app):
    return {name: find() for name, find in PLACEHOLDERS.items()}


def _form(client, page: str, action: str | None = None) -> dict:
    html = client.get(page).get_data(as_text=True)
    return read_form(html, action or page, page)


def _row(model, object_id):
    obj = db.session.get(model, object_id)
    db.session.refresh(obj)
    return {c.key: getattr(obj, c.key) for c in inspect(model).column_attrs}


def test_an_assignee_changes_status_and_progress_only(demo_login, ids):
    client = demo_login(ROLE_USERS["municipality"])
    task_id, other_task = ids["izegem_task"], ids["own_task"]
    before, other_before = _row(Task, task_id), _row(Task, other_task)
    data = _form(client, f"/tasks/{task_id}/edit", f"/tasks/{task_id}")
    data |= {
        "status": "in_progress",
        "progress": "55",
        "title": "Taken over",
        "description": "injected",
        "due_on": "2099-01-01",
        "assignee_id": str(client.user.id),
        "municipality_id": str(ids["roeselare"]),
        "group_id": str(ids["own_group"]),
        "application_id": "1",
        "updated_by_id": "1",
        "id": str(other_task),
    }
    assert client.post(f"/tasks/{task_id}", data=data).status_code == 303
    after = _row(Task, task_id)
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {"status", "progress", "version", "updated_at", "updated_by_id"}
    assert (after["status"], after["progress"]) == ("in_progress", 55)
    assert after["updated_by_id"] == client.user.id
    assert _row(Task, other_task) == other_before


def test_a_lead_cannot_move_a_task_to_another_group_or_object(demo_login, ids):
    client = demo_login(ROLE_USERS["lead"])
    task_id, other_task = ids["own_task"], ids["other_task"]
    before, other_before = _row(Task, task_id), _row(Task, other_task)
    data = _form(client, f"/tasks/{task_id}/edit", f"/tasks/{task_id}")
    data |= {
        "title": "Renamed by the lead",
        "group_id": str(ids["other_group"]),
        "id": str(other_task),
        "task_id": str(other_task),
        "application_id": "1",
    }
    assert client.post(f"/tasks/{task_id}", data=data).status_code == 303
    after = _row(Task, task_id)
    assert after["title"] == "Renamed by the lead"
    assert after["group_id"] == ids["own_group"]
    assert after["application_id"] == before["application_id"]
    assert _row(Task, other_task) == other_before


@pytest.mark.parametrize("version", ["999", "0", "-1", "abc", ""])
def test_a_posted_version_is_checked_never_stored(demo_login, ids, version):
    client = demo_login(ROLE_USERS["coordinator"])
    task_id = ids["own_task"]
    before = _row(Task, task_id)
    data = _form(client, f"/tasks/{task_id}/edit", f"/tasks/{task_id}")
    data |= {"title": "Over a version I never saw", "version": version}
    assert client.post(f"/tasks/{task_id}", data=data).status_code == 409
    assert _row(Task, task_id) == before


def _rollout(theme_id, municipality_id):
    return db.session.scalar(
        select(Rollout).where(
            Rollout.theme_id == theme_id, Rollout.municipality_id == municipality_id
        )
    )


def test_a_rollout_save_only_changes_its_own_row(demo_login, ids):
    client = demo_login(ROLE_USERS["municipality"])
    theme, izegem, roeselare = ids["own_theme"], ids["izegem"], ids["roeselare"]
    others = {
        r.id: (r.stage, r.note, r.municipality_id, r.theme_id)
        for r in db.session.scalars(
            select(Rollout).where(Rollout.municipality_id != izegem)
        )
    }
    action = f"/themes/{theme}/rollout/{izegem}"
    data = _form(client, f"{action}/edit", action)
    roeselare_row = _rollout(theme, roeselare)
    data |= {
        "stage": "exploring",
        "note": "Izegem's own note",
        "municipality_id": str(roeselare),
        "theme_id": str(ids["other_theme"]),
        "id": str(roeselare_row.id if roeselare_row else 1),
        "updated_by_id": "1",
    }
    assert client.post(action, data=data).status_code == 303
    own = _rollout(theme, izegem)
    assert (own.stage, own.note, own.updated_by_id) == (
        "exploring",
        "Izegem's own note",
        client.user.id,
    )
    db.session.expire_all()
    assert {
        r.id: (r.stage, r.note, r.municipality_id, r.theme_id)
        for r in db.session.scalars(
            select(Rollout).where(Rollout.municipality_id != izegem)
        )
    } == others


def test_application_notes_change_only_the_notes(demo_login, ids):
    client = demo_login(ROLE_USERS["municipality"])
    app_id = ids["izegem_app"]
    before = _row(Application, app_id)
    page = f"/applications/{app_id}"
    data = _form(client, page, f"{page}/notes")
    data |= {
        "notes": "Only this may change",
        "lead_municipality_id": str(ids["roeselare"]),
        "status": "granted",
        "title": "Renamed",
        "requested_amount": "1",
        "granted_amount": "999999",
        "owner_id": str(client.user.id),
        "call_id": "1",
        "id": str(ids["staden_app"]),
    }
    assert client.post(f"{page}/notes", data=data).status_code == 303
    after = _row(Application, app_id)
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {"notes", "version", "updated_at", "updated_by_id"}
    assert after["notes"] == "Only this may change"


def test_the_coordinator_edit_form_does_not_change_the_status(demo_login, ids):
    client = demo_login(ROLE_USERS["coordinator"])
    app_id = ids["izegem_app"]
    before = _row(Application, app_id)
    page = f"/applications/{app_id}/edit"
    data = _form(client, page) | {"status": "rejected", "id": str(ids["staden_app"])}
    assert client.post(page, data=data).status_code == 303
    after = _row(Application, app_id)
    assert after["status"] == before["status"]
    assert after["id"] == app_id


def _score(round_id, thread_id, municipality_id):
    return db.session.scalar(
        select(Score).where(
            Score.round_id == round_id,
            Score.thread_id == thread_id,
            Score.municipality_id == municipality_id,
        )
    )


def test_a_score_lands_on_the_url_municipality_and_the_signed_in_user(demo_login, ids):
    client = demo_login(ROLE_USERS["municipality"])
    r, t, izegem, roeselare = (
        ids["open_round"],
        ids["open_thread"],
        ids["izegem"],
        ids["roeselare"],
    )
    roeselare_before = _score(r, t, roeselare)
    roeselare_state = (
        (roeselare_before.value, roeselare_before.comment) if roeselare_before else None
    )
    refused = client.form(f"/rounds/{r}/scores/{t}/{roeselare}", {"value": "9"})
    assert refused.status_code == 403
    data = {
        "value": "3",
        "comment": "ours",
        "municipality_id": str(roeselare),
        "round_id": "1",
        "thread_id": "1",
        "entered_by_id": "1",
        "id": "1",
    }
    assert client.form(f"/rounds/{r}/scores/{t}/{izegem}", data).status_code == 303
    own = _score(r, t, izegem)
    assert (own.value, own.comment, own.entered_by_id) == (3, "ours", client.user.id)
    after = _score(r, t, roeselare)
    assert ((after.value, after.comment) if after else None) == roeselare_state


def test_the_profile_form_changes_the_language_only(demo_login):
    client = demo_login(ROLE_USERS["municipality"])
    before = _row(User, client.user.id)
    data = {
        "profile-language": "en",
        "role": "coordinator",
        "profile-role": "coordinator",
        "municipality_id": "1",
        "profile-municipality_id": "1",
        "email": "owned@example.org",
        "active": "y",
        "session_nonce": "x",
        "calendar_token": "x",
        "full_name": "Mallory",
        "id": "1",
    }
    assert client.form("/profile/language", data).status_code == 303
    after = _row(User, client.user.id)
    assert {k for k in after if after[k] != before[k]} == {"language"}
    assert client.get("/admin/users").status_code == 403


def test_a_lead_cannot_change_who_leads_the_group(demo_login, ids):
    client = demo_login(ROLE_USERS["lead"])
    group_id = ids["own_group"]
    group = db.session.get(WorkingGroup, group_id)
    leads = sorted(u.id for u in group.leads)
    data = _form(client, f"/groups/{group_id}/edit", f"/groups/{group_id}")
    coordinator = db.session.scalar(
        select(User.id).where(User.email == ROLE_USERS["coordinator"])
    )
    data["leads"] = [str(coordinator)]
    data["purpose"] = "New purpose"
    assert client.post(f"/groups/{group_id}", data=data).status_code == 303
    db.session.expire_all()
    group = db.session.get(WorkingGroup, group_id)
    assert sorted(u.id for u in group.leads) == leads
    assert group.purpose == "New purpose"
