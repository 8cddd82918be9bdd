"""Editing over HTTP: a municipality (name, NIS code, merger), a theme's status and
a working group's name; who may, bad input (422) and the activity log."""

from datetime import date

import pytest
from sqlalchemy import select

from app.activity.models import Activity
from app.auth import permissions
from app.extensions import db
from app.municipalities.models import Municipality
from app.work.models import Theme, WorkingGroup
from tests import factories

DENIED_ROLES = ("lead", "municipality", "viewer")


@pytest.fixture
def world(app):
    home = factories.municipality("Izegem", nis_code="36008")
    other = factories.municipality("Tielt", nis_code="37015")
    theme = factories.theme(title="Connectiviteit")
    people = {
        "coordinator": factories.user("coordinator"),
        "lead": factories.user("lead", home),
        "municipality": factories.user("municipality", home),
        "viewer": factories.user("viewer"),
    }
    group = factories.group(theme, leads=[people["lead"]], name="Werkgroep glasvezel")
    other_group = factories.group(theme, name="Werkgroep 5G")
    db.session.commit()
    return {
        "home": home,
        "other": other,
        "theme": theme,
        "group": group,
        "other_group": other_group,
        "people": people,
    }


def _fresh(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def _entries(entity_type: str, entity_id: int) -> list[Activity]:
    return list(
        db.session.scalars(
            select(Activity).where(
                Activity.entity_type == entity_type, Activity.entity_id == entity_id
            )
        )
    )


MUNICIPALITY = {"name": "Izegem", "nis_code": "36008", "merged_into_id": "0"}


# --- municipality ----------------------------------------------------------------


def test_the_coordinator_renames_a_municipality_and_old_links_hold(world, login_as):
    client = login_as(world["people"]["coordinator"])
    assert client.get("/municipalities/izegem/edit").status_code == 200
    response = client.form(
        "/municipalities/izegem/edit", {**MUNICIPALITY, "name": "Stad Izegem"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/municipalities/izegem"
    home = _fresh(Municipality, world["home"].id)
    assert home.name == "Stad Izegem" and home.slug == "izegem"
    assert "Stad Izegem" in client.get("/municipalities/izegem").text
    (entry,) = _entries("municipality", home.id)
    assert entry.changes == {"name": ["Izegem", "Stad Izegem"]}


def test_the_coordinator_merges_a_municipality_with_a_date(world, login_as):
    client = login_as(world["people"]["coordinator"])
    response = client.form(
        "/municipalities/izegem/edit",
        {
            **MUNICIPALITY,
            "merged_into_id": str(world["other"].id),
            "merged_on": "2025-01-01",
        },
    )
    assert response.status_code == 303
    home = _fresh(Municipality, world["home"].id)
    assert home.merged_into_id == world["other"].id
    assert home.merged_on == date(2025, 1, 1)
    assert not home.is_active
    open_round = factories.scoring_round([factories.thread()], status="open")
    db.session.commit()
    assert not permissions.can_score(world["people"]["municipality"], open_round, home)
    page = client.get("/municipalities/izegem").text
    assert "Tielt" in page and "01/01/2025" in page
    # Undone: clear the merger.
    response = client.form("/municipalities/izegem/edit", MUNICIPALITY)
    assert response.status_code == 303
    assert _fresh(Municipality, world["home"].id).is_active


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"nis_code": "3600"}, "5 cijfers"),
        ({"nis_code": "3600A"}, "5 cijfers"),
        ({"nis_code": "37015"}, "NIS-code"),
        ({"name": "tielt"}, "naam"),
        ({"name": ""}, "naam"),
        ({"name": "x" * 121}, "121"),
        ({"merged_into_id": "{other}"}, "datum"),
        ({"merged_on": "2025-01-01"}, "datum"),
        ({"merged_into_id": "{home}", "merged_on": "2025-01-01"}, ""),
        ({"merged_into_id": "{other}", "merged_on": "not a date"}, ""),
    ],
)
def test_bad_municipality_input_is_refused_in_dutch(world, login_as, values, message):
    ids = {"home": world["home"].id, "other": world["other"].id}
    data = {**MUNICIPALITY, **{k: v.format(**ids) for k, v in values.items()}}
    client = login_as(world["people"]["coordinator"])
    response = client.form("/municipalities/izegem/edit", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="field-error"' in html
    if message and message != "121":
        assert message in html
    home = _fresh(Municipality, world["home"].id)
    assert (home.name, home.nis_code, home.merged_into_id) == ("Izegem", "36008", None)
    assert _entries("municipality", home.id) == []


@pytest.mark.parametrize("role", DENIED_ROLES)
def test_only_the_coordinator_edits_a_municipality(world, login_as, role):
    client = login_as(world["people"][role])
    assert client.get("/municipalities/izegem/edit").status_code == 403
    response = client.form(
        "/municipalities/izegem/edit", {**MUNICIPALITY, "name": "Hacked"}
    )
    assert response.status_code == 403
    assert _fresh(Municipality, world["home"].id).name == "Izegem"
    assert (
        "/municipalities/izegem/edit" not in client.get("/municipalities/izegem").text
    )


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get("/municipalities/izegem/edit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- theme status ----------------------------------------------------------------


def test_the_coordinator_sets_a_themes_status(world, login_as):
    theme = world["theme"]
    client = login_as(world["people"]["coordinator"])
    assert 'id="theme-status"' in client.get(f"/themes/{theme.id}").text
    response = client.form(f"/themes/{theme.id}/status", {"status": "paused"})
    assert response.status_code == 303
    assert _fresh(Theme, theme.id).status == "paused"
    (entry,) = _entries("theme", theme.id)
    assert entry.action == "status" and entry.audience == "regional"
    reader = login_as(world["people"]["municipality"])
    assert "Connectiviteit" in reader.get("/activity").text


def test_a_theme_status_outside_the_list_is_refused(world, login_as):
    theme = world["theme"]
    client = login_as(world["people"]["coordinator"])
    response = client.form(f"/themes/{theme.id}/status", {"status": "deleted"})
    assert response.status_code == 422
    assert "theme-status-error" in response.text
    assert _fresh(Theme, theme.id).status == "active"


@pytest.mark.parametrize("role", DENIED_ROLES)
def test_only_the_coordinator_sets_a_themes_status(world, login_as, role):
    theme = world["theme"]
    client = login_as(world["people"][role])
    assert 'id="theme-status"' not in client.get(f"/themes/{theme.id}").text
    response = client.form(f"/themes/{theme.id}/status", {"status": "completed"})
    assert response.status_code == 403
    assert _fresh(Theme, theme.id).status == "active"


# --- group name ------------------------------------------------------------------


def test_the_coordinator_renames_a_group(world, login_as):
    group = world["group"]
    client = login_as(world["people"]["coordinator"])
    assert 'name="name"' in client.get(f"/groups/{group.id}/edit").text
    response = client.form(
        f"/groups/{group.id}", {"name": "Werkgroep vezel", "purpose": "Kabels"}
    )
    assert response.status_code == 303
    group = _fresh(WorkingGroup, group.id)
    assert (group.name, group.purpose) == ("Werkgroep vezel", "Kabels")
    (entry,) = _entries("working_group", group.id)
    assert entry.changes["name"] == ["Werkgroep glasvezel", "Werkgroep vezel"]


@pytest.mark.parametrize("name", ["werkgroep 5g", "", "x" * 201])
def test_a_bad_group_name_is_refused(world, login_as, name):
    group = world["group"]
    client = login_as(world["people"]["coordinator"])
    response = client.form(f"/groups/{group.id}", {"name": name, "purpose": "Kabels"})
    assert response.status_code == 422
    assert 'class="field-error"' in response.text
    group = _fresh(WorkingGroup, group.id)
    assert (group.name, group.purpose) == ("Werkgroep glasvezel", "")


def test_a_lead_edits_the_purpose_but_not_the_name(world, login_as):
    group = world["group"]
    client = login_as(world["people"]["lead"])
    assert 'name="name"' not in client.get(f"/groups/{group.id}/edit").text
    response = client.form(f"/groups/{group.id}", {"name": "Mine", "purpose": "Kabels"})
    assert response.status_code == 303
    group = _fresh(WorkingGroup, group.id)
    assert (group.name, group.purpose) == ("Werkgroep glasvezel", "Kabels")


@pytest.mark.parametrize("role", ["municipality", "viewer"])
def test_others_do_not_edit_a_group(world, login_as, role):
    group = world["group"]
    client = login_as(world["people"][role])
    response = client.form(f"/groups/{group.id}", {"name": "Mine", "purpose": "x"})
    assert response.status_code == 403
    assert _fresh(WorkingGroup, group.id).name == "Werkgroep glasvezel"
