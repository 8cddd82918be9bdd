"""Routes of delivery: themes, working groups, tasks, rollout rows, their exports.

Demo roles: the lead (Roeselare) leads "Werkgroep ICT klankbord" of the first
theme; izegem@ is a municipality user with a task assigned in another group.
"""

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.municipalities.models import Municipality
from app.work.models import Task, WorkingGroup
from tests.route_rows import Route, action, page

OWN_GROUP = "Werkgroep ICT klankbord"
OTHER_GROUP = "Werkgroep vendormanagement"


def _group(name: str) -> WorkingGroup:
    return db.session.scalar(select(WorkingGroup).where(WorkingGroup.name == name))


def _municipality(slug: str) -> int:
    return db.session.scalar(select(Municipality.id).where(Municipality.slug == slug))


def _izegem_user() -> int:
    return db.session.scalar(
        select(User.id).where(User.email == "izegem@midwest.example")
    )


def _task(group_name: str, assigned_to_izegem: bool) -> int:
    condition = (
        Task.assignee_id == _izegem_user()
        if assigned_to_izegem
        else (Task.assignee_id.is_(None) | (Task.assignee_id != _izegem_user()))
    )
    return db.session.scalar(
        select(Task.id)
        .where(Task.group_id == _group(group_name).id, condition)
        .order_by(Task.id)
        .limit(1)
    )


def _template() -> int:
    """A task template of the lead's group (made again after a row deletes it)."""
    from app.work.models import TaskTemplate, TaskTemplateItem

    group = _group(OWN_GROUP)
    found = db.session.scalar(
        select(TaskTemplate.id).where(TaskTemplate.group_id == group.id)
    )
    if found is None:
        template = TaskTemplate(
            group_id=group.id,
            name="Route table template",
            items=[TaskTemplateItem(position=0, offset_workdays=2, title="Step")],
        )
        db.session.add(template)
        db.session.commit()
        found = template.id
    return found


PLACEHOLDERS = {
    "own_template": _template,
    "own_theme": lambda: _group(OWN_GROUP).theme_id,
    "other_theme": lambda: _group(OTHER_GROUP).theme_id,
    "own_group": lambda: _group(OWN_GROUP).id,
    "other_group": lambda: _group(OTHER_GROUP).id,
    "own_task": lambda: _task(OWN_GROUP, assigned_to_izegem=False),
    "other_task": lambda: _task(OTHER_GROUP, assigned_to_izegem=False),
    "izegem_task": lambda: _task(OTHER_GROUP, assigned_to_izegem=True),
    "izegem": lambda: _municipality("izegem"),
    "roeselare": lambda: _municipality("roeselare"),
    "ruiselede": lambda: _municipality("ruiselede"),  # merged into Wingene
}

TASK_DATA = {
    "title": "Route table task",
    "status": "in_progress",
    "progress": "40",
    "due_on": "2027-03-01",
    "assignee_id": "",
    "municipality_id": "",
    "version": "1",
}
EDIT = {"coordinator": 200, "lead": 200}
SAVE = {"coordinator": 303, "lead": 303}
ROLLOUT = {"stage": "exploring", "note": "Route table", "version": "1"}
SIGNED_IN = ("coordinator", "lead", "municipality", "viewer")


def htmx_page(path: str) -> Route:
    """A GET by htmx: a fragment for every role; anonymous gets 401 + HX-Redirect."""
    return Route(
        "GET", path, {"anonymous": 401} | dict.fromkeys(SIGNED_IN, 200), htmx=True
    )


ROUTES = [
    # themes
    page("/themes"),
    page("/themes/{own_theme}"),
    page("/themes/999999", everyone=404),
    page("/themes/{own_theme}/groups/new", lead=403, municipality=403, viewer=403),
    action(
        "POST",
        "/themes/{own_theme}/groups/new",
        {"coordinator": 303},
        data={"name": "Route table group", "purpose": "Testing"},
    ),
    page("/themes/{own_theme}/rollout/{izegem}"),
    htmx_page("/themes/{own_theme}/rollout/{izegem}"),
    action(
        "GET", "/themes/{own_theme}/rollout/{izegem}/edit", EDIT | {"municipality": 200}
    ),
    action(
        "GET",
        "/themes/{other_theme}/rollout/{izegem}/edit",
        {"coordinator": 200, "municipality": 200},
    ),
    action("GET", "/themes/{other_theme}/rollout/{roeselare}/edit", EDIT),
    action("GET", "/themes/{own_theme}/rollout/{ruiselede}/edit", {}),
    action(
        "POST",
        "/themes/{own_theme}/rollout/{izegem}",
        SAVE | {"municipality": 303},
        data=ROLLOUT,
    ),
    action(
        "POST",
        "/themes/{other_theme}/rollout/{izegem}",
        {"coordinator": 303, "municipality": 303},
        data=ROLLOUT,
    ),
    action("POST", "/themes/{other_theme}/rollout/{roeselare}", SAVE, data=ROLLOUT),
    action("POST", "/themes/{own_theme}/rollout/{ruiselede}", {}, data=ROLLOUT),
    action(
        "POST",
        "/themes/{own_theme}/rollout/{izegem}",
        {"coordinator": 200, "lead": 200, "municipality": 200},
        anonymous=401,
        data=ROLLOUT,
        htmx=True,
    ),
    # working groups
    page("/groups/{own_group}"),
    page("/groups/999999", everyone=404),
    action("GET", "/groups/{own_group}/edit", EDIT),
    action("GET", "/groups/{other_group}/edit", {"coordinator": 200}),
    action("POST", "/groups/{own_group}", SAVE, data={"purpose": "Nieuw doel"}),
    action(
        "POST", "/groups/{other_group}", {"coordinator": 303}, data={"purpose": "x"}
    ),
    action(
        "POST",
        "/groups/{own_group}",
        {"coordinator": 422, "lead": 422},
        data={"purpose": "x", "members": "abc"},
    ),
    # tasks
    page("/tasks"),
    page("/tasks?status=todo&due=overdue&sort=-due&theme={own_theme}"),
    htmx_page("/tasks?due=week"),
    htmx_page("/tasks/{own_task}"),
    page("/tasks/{own_task}"),
    page("/tasks/999999", everyone=404),
    action("GET", "/tasks/{own_task}/edit", EDIT),
    action("GET", "/tasks/{other_task}/edit", {"coordinator": 200}),
    action(
        "GET", "/tasks/{izegem_task}/edit", {"coordinator": 200, "municipality": 200}
    ),
    action("POST", "/tasks/{own_task}", SAVE, data=TASK_DATA),
    action("POST", "/tasks/{other_task}", {"coordinator": 303}, data=TASK_DATA),
    action(
        "POST",
        "/tasks/{izegem_task}",
        {"coordinator": 303, "municipality": 303},
        data=TASK_DATA,
    ),
    action(
        "POST",
        "/tasks/{own_task}",
        {"coordinator": 200, "lead": 200},
        anonymous=401,
        data=TASK_DATA,
        htmx=True,
    ),
    action(
        "POST",
        "/tasks/{own_task}",
        {"coordinator": 422, "lead": 422},
        data=TASK_DATA | {"progress": "101"},
    ),
    action("GET", "/groups/{own_group}/tasks/new", EDIT),
    action("GET", "/groups/{other_group}/tasks/new", {"coordinator": 200}),
    action("POST", "/groups/{own_group}/tasks", SAVE, data=TASK_DATA),
    action("POST", "/groups/{other_group}/tasks", {"coordinator": 303}, data=TASK_DATA),
    action("GET", "/tasks/{own_task}/delete", EDIT),
    action("GET", "/tasks/{izegem_task}/delete", {"coordinator": 200}),
    action("POST", "/tasks/{own_task}/delete", SAVE),
    action("POST", "/tasks/{izegem_task}/delete", {"coordinator": 303}),
    # task templates
    page("/groups/{own_group}/templates"),
    page("/groups/999999/templates", everyone=404),
    action(
        "POST",
        "/groups/{own_group}/templates",
        {"coordinator": 422, "lead": 422},
        data={"name": "", "lines": "x"},
    ),
    action(
        "POST",
        "/groups/{other_group}/templates",
        {"coordinator": 422},
        data={"name": "", "lines": "x"},
    ),
    action(
        "POST",
        "/templates/{own_template}/apply",
        {"coordinator": 422, "lead": 422},
        data={"start_on": "not a date"},
    ),
    action(
        "POST", "/templates/{own_template}/apply", SAVE, data={"start_on": "2027-03-01"}
    ),
    action("POST", "/templates/999999/apply", {}, denied=404, data={"start_on": "x"}),
    action("POST", "/templates/{own_template}/delete", SAVE),
    # exports
    page("/exports/tasks.xlsx"),
    page("/exports/tasks.xlsx?status=todo&group={own_group}"),
    page("/exports/rollout.xlsx"),
]
