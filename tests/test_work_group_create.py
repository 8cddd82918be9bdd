"""The coordinator creates a working group for a theme; nobody else can."""

import pytest
from sqlalchemy import func, select

from app.activity.models import Activity
from app.extensions import db
from app.work.models import WorkingGroup
from tests import factories


@pytest.fixture
def theme(app):
    theme = factories.theme(title="Digitale geletterdheid")
    factories.group(theme, name="Bestaande werkgroep")
    db.session.commit()
    return theme


def _groups() -> int:
    return db.session.scalar(select(func.count(WorkingGroup.id)))


def test_coordinator_creates_a_group_then_edits_its_people(theme, login_as):
    client = login_as("coordinator")
    assert client.get(f"/themes/{theme.id}/groups/new").status_code == 200
    response = client.form(
        f"/themes/{theme.id}/groups/new",
        {"name": "  Nieuwe werkgroep ", "purpose": "Doel"},
    )
    assert response.status_code == 303
    group = db.session.scalar(
        select(WorkingGroup).where(WorkingGroup.name == "Nieuwe werkgroep")
    )
    assert group.theme_id == theme.id and group.purpose == "Doel"
    assert response.headers["Location"] == f"/groups/{group.id}/edit"
    entry = db.session.scalar(
        select(Activity).where(Activity.entity_type == "working_group")
    )
    assert entry.action == "create" and entry.entity_id == group.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "purpose": ""}, "This field is required"),
        ({"name": "bestaande WERKGROEP"}, "has a group with this name already"),
        ({"name": "x" * 201}, "Field cannot be longer than 200 characters"),
    ],
)
def test_bad_input_is_refused(theme, login_as, data, message):
    client = login_as("coordinator")
    client.user.language = "en"
    db.session.commit()
    before = _groups()
    response = client.form(f"/themes/{theme.id}/groups/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _groups() == before


@pytest.mark.parametrize("role", ["lead", "municipality", "viewer"])
def test_others_cannot_create_groups(theme, login_as, role):
    client = login_as(role)
    before = _groups()
    assert client.get(f"/themes/{theme.id}/groups/new").status_code == 403
    response = client.form(f"/themes/{theme.id}/groups/new", {"name": "Mijn groep"})
    assert response.status_code == 403
    assert _groups() == before


def test_the_theme_page_offers_it_to_the_coordinator_only(theme, login_as):
    url = f"/themes/{theme.id}/groups/new"
    assert url in login_as("coordinator").get(f"/themes/{theme.id}").get_data(
        as_text=True
    )
    assert url not in login_as("lead").get(f"/themes/{theme.id}").get_data(as_text=True)
