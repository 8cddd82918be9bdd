"""Working groups and rollout rows: permissions, validation, conflicts, activity."""

import pytest
from sqlalchemy import select

from app.activity.models import Activity
from app.extensions import db
from app.work.models import Rollout, WorkingGroup
from tests import factories

ROLES = ("coordinator", "lead", "municipality", "other_municipality", "viewer")


@pytest.fixture
def world(app):
    return factories.delivery_world()


@pytest.mark.parametrize(
    ("group_key", "allowed"),
    [("own_group", {"coordinator", "lead"}), ("other_group", {"coordinator"})],
)
@pytest.mark.parametrize("role", ROLES)
def test_group_edit_permission(login_as, world, group_key, allowed, role):
    group_id = world[group_key].id
    client = login_as(world["users"][role])
    assert client.get(f"/groups/{group_id}/edit").status_code == (
        200 if role in allowed else 403
    )
    response = client.form(
        f"/groups/{group_id}",
        {"purpose": "A new purpose", "municipalities": [str(world["home"].id)]},
    )
    assert response.status_code == (303 if role in allowed else 403)
    group = db.session.get(WorkingGroup, group_id)
    assert (group.purpose == "A new purpose") is (role in allowed)
    assert ([m.id for m in group.municipalities] == [world["home"].id]) is (
        role in allowed
    )


def test_lead_edits_members_but_not_leads(login_as, world):
    group = world["own_group"]
    lead = world["users"]["lead"]
    member = world["users"]["municipality"]
    client = login_as(lead)
    form = client.get(f"/groups/{group.id}/edit").get_data(as_text=True)
    # Members are searched (issue 24 item 16): the search field, not a list.
    assert 'name="members_search"' in form and 'name="leads"' not in form
    response = client.form(
        f"/groups/{group.id}",
        {
            "purpose": "p",
            "members": [str(member.id)],
            "leads": [str(world["users"]["other_municipality"].id)],
        },
        htmx=True,
    )
    assert response.status_code == 200
    assert 'id="group-info"' in response.get_data(as_text=True)
    group = db.session.get(WorkingGroup, group.id)
    assert [u.id for u in group.leads] == [lead.id]
    assert [u.id for u in group.members] == [member.id]
    entry = db.session.scalar(
        select(Activity).where(Activity.entity_type == "working_group")
    )
    assert entry.changes["members"] == ["", member.full_name]
    assert "leads" not in entry.changes


def test_coordinator_changes_leads(login_as, world):
    group = world["other_group"]
    new_lead = world["users"]["lead"]
    client = login_as(world["users"]["coordinator"])
    response = client.form(
        f"/groups/{group.id}", {"purpose": "", "leads": [str(new_lead.id)]}
    )
    assert response.status_code == 303
    assert [u.id for u in db.session.get(WorkingGroup, group.id).leads] == [new_lead.id]


def test_group_form_refuses_unknown_people(login_as, world):
    group = world["own_group"]
    client = login_as(world["users"]["coordinator"])
    viewer = world["users"]["viewer"]
    response = client.form(
        f"/groups/{group.id}", {"purpose": "x", "members": [str(viewer.id)]}
    )
    assert response.status_code == 422
    assert db.session.get(WorkingGroup, group.id).purpose == ""


# --- rollout -------------------------------------------------------------------------

ROLLOUT_TABLE = [
    ("own_theme", "home", {"coordinator", "lead", "municipality"}),
    ("own_theme", "away", {"coordinator", "lead", "other_municipality"}),
    ("other_theme", "home", {"coordinator", "lead", "municipality"}),
    ("other_theme", "away", {"coordinator", "other_municipality"}),
    ("own_theme", "merged", set()),
]


@pytest.mark.parametrize(("theme_key", "place", "allowed"), ROLLOUT_TABLE)
@pytest.mark.parametrize("role", ROLES)
def test_rollout_permission_table(login_as, world, theme_key, place, allowed, role):
    theme_id, municipality_id = world[theme_key].id, world[place].id
    url = f"/themes/{theme_id}/rollout/{municipality_id}"
    client = login_as(world["users"][role])
    assert client.get(url + "/edit").status_code == (200 if role in allowed else 403)
    response = client.form(url, {"stage": "live", "note": "Gestart", "version": "1"})
    assert response.status_code == (303 if role in allowed else 403)
    row = db.session.scalar(
        select(Rollout).where(
            Rollout.theme_id == theme_id, Rollout.municipality_id == municipality_id
        )
    )
    assert (row.stage == "live") is (role in allowed)


def test_rollout_page_marks_merged_municipality_read_only(login_as, world):
    client = login_as(world["users"]["coordinator"])
    page = client.get(f"/themes/{world['own_theme'].id}").get_data(as_text=True)
    merged_row = page.split(
        f'id="rollout-{world["own_theme"].id}-{world["merged"].id}"'
    )[1]
    merged_row = merged_row.split("</tr>")[0]
    assert 'data-merged="true"' in merged_row
    assert "/edit" not in merged_row


@pytest.mark.parametrize(
    ("field", "value"), [("stage", "finished"), ("note", "x" * 2001)]
)
def test_rollout_invalid_input_is_422(login_as, world, field, value):
    row = world["rollout_own_theme_home"]
    client = login_as(world["users"]["municipality"])
    data = {"stage": "live", "note": "", "version": "1", field: value}
    url = f"/themes/{row.theme_id}/rollout/{row.municipality_id}"
    response = client.form(url, data, htmx=True)
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    assert db.session.get(Rollout, row.id).stage == "not_started"


def test_rollout_stale_version_is_409_and_keeps_both(login_as, world, app):
    row = world["rollout_own_theme_home"]
    url = f"/themes/{row.theme_id}/rollout/{row.municipality_id}"
    municipality = login_as(world["users"]["municipality"])
    saved = municipality.form(
        url, {"stage": "exploring", "note": "Ons", "version": "1"}
    )
    assert saved.status_code == 303
    from tests.conftest import sign_in_session

    lead = sign_in_session(app.test_client(), world["users"]["lead"])
    response = lead.form(
        url, {"stage": "live", "note": "Trekker", "version": "1"}, htmx=True
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    # their change and what the lead typed, with field and stage labels (Dutch)
    assert "Fase: Niet gestart → Verkennend" in page
    assert "Fase: In gebruik" in page and "Opmerking: Trekker" in page
    assert page.lstrip().startswith("<tr")
    row = db.session.get(Rollout, row.id)
    assert (row.stage, row.note, row.version) == ("exploring", "Ons", 2)


def test_rollout_saved_where_no_row_existed(login_as, world):
    """A pair without a row is shown as 'not started' and created on first save;
    a second form based on 'no row yet' then conflicts."""
    theme = factories.theme(title="New theme")
    db.session.commit()
    url = f"/themes/{theme.id}/rollout/{world['home'].id}"
    client = login_as(world["users"]["municipality"])
    form = client.htmx("GET", url + "/edit").get_data(as_text=True)
    assert 'name="version" value="0"' in form
    response = client.form(
        url, {"stage": "preparing", "note": "", "version": "0"}, htmx=True
    )
    assert response.status_code == 200
    assert 'data-stage="preparing"' in response.get_data(as_text=True)
    again = client.form(url, {"stage": "live", "note": "", "version": "0"}, htmx=True)
    assert again.status_code == 409
    row = db.session.scalar(select(Rollout).where(Rollout.theme_id == theme.id))
    assert row.stage == "preparing"
    entry = db.session.scalar(
        select(Activity).where(
            Activity.entity_type == "rollout", Activity.entity_id == row.id
        )
    )
    assert entry.action == "create" and entry.municipality_id == world["home"].id


def test_rollout_save_records_old_and_new(login_as, world):
    row = world["rollout_other_theme_away"]
    client = login_as(world["users"]["other_municipality"])
    client.form(
        f"/themes/{row.theme_id}/rollout/{row.municipality_id}",
        {"stage": "implementing", "note": "Bijna", "version": "1"},
    )
    entry = db.session.scalar(
        select(Activity).where(
            Activity.entity_type == "rollout", Activity.entity_id == row.id
        )
    )
    assert entry.changes == {
        "stage": ["not_started", "implementing"],
        "note": ["", "Bijna"],
    }
    assert entry.actor_id == world["users"]["other_municipality"].id
    assert db.session.get(Rollout, row.id).updated_by_id == entry.actor_id
