"""Issue 28 item 5 (c): task templates of working groups."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.activity.models import Activity
from app.extensions import db
from app.work.models import Task, TaskTemplate, TaskTemplateItem
from tests import factories

ROLES = ("coordinator", "lead", "municipality", "other_municipality", "viewer")
LINES = "0; Agenda opstellen\n1; Uitnodiging versturen\n5; Verslag maken"


@pytest.fixture
def world(app):
    return factories.delivery_world()


def _template(group, name="Overleg") -> TaskTemplate:
    template = TaskTemplate(
        group_id=group.id,
        name=name,
        items=[
            TaskTemplateItem(position=0, offset_workdays=0, title="Agenda opstellen"),
            TaskTemplateItem(position=1, offset_workdays=1, title="Uitnodiging"),
            TaskTemplateItem(position=2, offset_workdays=5, title="Verslag"),
        ],
    )
    db.session.add(template)
    db.session.commit()
    return template


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_applying_a_template_counts_working_days_across_a_holiday(login_as, world):
    template = _template(world["own_group"])
    before_activity = _count(Activity)
    client = login_as(world["users"]["lead"])
    # Thursday 24/12/2026: Christmas (Friday 25/12) and the weekend are skipped.
    response = client.form(
        f"/templates/{template.id}/apply", {"start_on": "2026-12-24"}
    )
    assert response.status_code == 303
    tasks = db.session.scalars(
        select(Task)
        .where(Task.group_id == world["own_group"].id, Task.title != "Own task")
        .order_by(Task.due_on)
    ).all()
    assert [(t.title, t.due_on, t.status) for t in tasks] == [
        ("Agenda opstellen", date(2026, 12, 24), "todo"),
        ("Uitnodiging", date(2026, 12, 28), "todo"),
        ("Verslag", date(2027, 1, 4), "todo"),  # 28, 29, 30, 31/12, (1/1), 4/1
    ]
    entries = db.session.scalars(
        select(Activity).where(Activity.id > 0).order_by(Activity.id)
    ).all()[before_activity:]
    assert [(e.action, e.entity_type) for e in entries] == [("create", "task")] * 3
    assert {e.entity_id for e in entries} == {t.id for t in tasks}
    page = client.get(f"/groups/{world['own_group'].id}").get_data(as_text=True)
    assert "3 taken toegevoegd." in page


@pytest.mark.parametrize("role", ROLES)
def test_only_who_may_add_the_groups_tasks_applies_or_keeps_templates(
    login_as, world, role
):
    template = _template(world["own_group"])
    tasks, templates = _count(Task), _count(TaskTemplate)
    client = login_as(world["users"][role])
    applied = client.form(f"/templates/{template.id}/apply", {"start_on": "2027-03-01"})
    created = client.form(
        f"/groups/{world['own_group'].id}/templates", {"name": "Nieuw", "lines": LINES}
    )
    allowed = role in ("coordinator", "lead")
    assert applied.status_code == (303 if allowed else 403)
    assert created.status_code == (303 if allowed else 403)
    assert _count(Task) == tasks + (3 if allowed else 0)
    assert _count(TaskTemplate) == templates + (1 if allowed else 0)
    page = client.get(f"/groups/{world['own_group'].id}/templates")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Agenda opstellen" in text
    assert ("Deze taken toevoegen" in text) == allowed
    assert ("Nieuw sjabloon" in text) == allowed


def test_the_lead_of_another_group_may_not_apply_its_template(login_as, world):
    template = _template(world["other_group"])
    tasks = _count(Task)
    client = login_as(world["users"]["lead"])
    response = client.form(
        f"/templates/{template.id}/apply", {"start_on": "2027-03-01"}
    )
    assert response.status_code == 403
    assert client.form(f"/templates/{template.id}/delete").status_code == 403
    assert _count(Task) == tasks
    assert db.session.get(TaskTemplate, template.id) is not None


def test_a_template_is_made_from_its_lines(login_as, world):
    client = login_as(world["users"]["lead"])
    response = client.form(
        f"/groups/{world['own_group'].id}/templates",
        {"name": "Maandelijks overleg", "lines": LINES + "\n\n"},
    )
    assert response.status_code == 303
    template = db.session.scalar(select(TaskTemplate))
    assert template.name == "Maandelijks overleg"
    assert [(i.offset_workdays, i.title) for i in template.items] == [
        (0, "Agenda opstellen"),
        (1, "Uitnodiging versturen"),
        (5, "Verslag maken"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "lines": LINES}, "Dit veld is vereist"),
        (
            {"name": "X", "lines": "twee; Iets"},
            "Regel 1: “twee” is geen aantal werkdagen",
        ),
        (
            {"name": "X", "lines": "0; A\n-3; B"},
            "Regel 2: “-3” is geen aantal werkdagen",
        ),
        ({"name": "X", "lines": "2;"}, "Regel 1: de titel ontbreekt"),
        ({"name": "X", "lines": "1; " + "x" * 201}, "langer dan 200 tekens"),
        ({"name": "Overleg", "lines": LINES}, "al een sjabloon met deze naam"),
    ],
)
def test_a_bad_template_is_refused_in_dutch(login_as, world, data, message):
    _template(world["own_group"])
    client = login_as(world["users"]["lead"])
    response = client.form(f"/groups/{world['own_group'].id}/templates", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(TaskTemplate) == 1 and _count(TaskTemplateItem) == 3


@pytest.mark.parametrize("start", ["", "31/02/2027", "morgen"])
def test_a_bad_start_date_creates_nothing(login_as, world, start):
    template = _template(world["own_group"])
    tasks = _count(Task)
    client = login_as(world["users"]["lead"])
    response = client.form(f"/templates/{template.id}/apply", {"start_on": start})
    assert response.status_code == 422
    assert "Vul een datum in zoals 28/11/2026" in response.get_data(as_text=True)
    assert _count(Task) == tasks


def test_an_archived_group_takes_no_tasks_from_a_template(login_as, world):
    from app import clock

    template = _template(world["own_group"])
    world["own_group"].archived_at = clock.now_utc()
    db.session.commit()
    tasks = _count(Task)
    client = login_as(world["users"]["coordinator"])
    response = client.form(
        f"/templates/{template.id}/apply", {"start_on": "2027-03-01"}
    )
    assert response.status_code == 403
    assert _count(Task) == tasks


def test_the_templates_page_reads_a_fixed_number_of_statements(login_as, world):
    from tests.conftest import queries

    _template(world["own_group"], name="Eerste")
    client = login_as(world["users"]["lead"])
    url = f"/groups/{world['own_group'].id}/templates"
    client.get(url)  # the session's first request loads what later ones reuse
    with queries() as few:
        assert client.get(url).status_code == 200
    for n in range(5):
        _template(world["own_group"], name=f"Sjabloon {n}")
    with queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    assert not many.lazy_loads
