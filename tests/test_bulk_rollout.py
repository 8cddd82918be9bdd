"""One stage for several municipalities of a theme at once (issue 28 item 4):
confirmation, one transaction with an entry per row, conflicts, who may."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.activity.models import Activity
from app.extensions import db
from app.work.models import Rollout
from tests import factories


@pytest.fixture
def world(app):
    places = [factories.municipality(name) for name in ("Izegem", "Tielt", "Pittem")]
    merged = factories.municipality(
        "Ardooie", merged_into_id=places[0].id, merged_on=date(2025, 1, 1)
    )
    lead = factories.user("lead", places[0], full_name="Lea Lead")
    theme = factories.theme(title="Connectiviteit")
    factories.group(theme, leads=[lead])
    saved = factories.rollout(theme, places[0], stage="exploring")
    db.session.commit()
    return {
        "places": places,
        "merged": merged,
        "lead": lead,
        "theme": theme,
        "saved": saved,
    }


def _url(world, tail=""):
    return f"/themes/{world['theme'].id}/rollout/bulk{tail}"


def _versions(world, places):
    rows = {
        r.municipality_id: r.version
        for r in db.session.scalars(
            select(Rollout).where(Rollout.theme_id == world["theme"].id)
        )
    }
    return {f"version_{m.id}": rows.get(m.id, 0) for m in places}


def _stages(world):
    return dict(
        db.session.execute(
            select(Rollout.municipality_id, Rollout.stage).where(
                Rollout.theme_id == world["theme"].id
            )
        ).all()
    )


def _entries(world):
    return db.session.scalar(
        select(func.count(Activity.id)).where(Activity.entity_type == "rollout")
    )


def test_preview_then_apply_sets_one_stage_with_an_entry_per_row(world, login_as):
    client = login_as(world["lead"])
    places = world["places"]
    ids = [m.id for m in places]
    preview = client.form(_url(world), {"municipality": ids, "stage": "live"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert page.count("→") == 3
    assert _stages(world) == {places[0].id: "exploring"}

    data = {"municipality": ids, "stage": "live", **_versions(world, places)}
    response = client.form(_url(world, "/apply"), data)
    assert response.status_code == 303
    assert _stages(world) == {m.id: "live" for m in places}
    assert _entries(world) == 3


def test_a_conflict_refuses_every_row(world, login_as):
    client = login_as(world["lead"])
    places = world["places"]
    data = {
        "municipality": [m.id for m in places],
        "stage": "preparing",
        **_versions(world, places),
    }
    saved = db.session.get(Rollout, world["saved"].id)
    saved.note = "Intussen gewijzigd"
    db.session.commit()
    response = client.form(_url(world, "/apply"), data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'data-municipality-id="{places[0].id}"' in page
    assert f'data-municipality-id="{places[1].id}"' not in page
    assert _stages(world) == {places[0].id: "exploring"}
    assert _entries(world) == 0


def test_a_merged_municipality_in_the_batch_is_403(world, login_as):
    client = login_as(world["lead"])
    batch = [*world["places"], world["merged"]]
    data = {"municipality": [m.id for m in batch], "stage": "live"}
    data |= _versions(world, batch)
    assert client.form(_url(world, "/apply"), data).status_code == 403
    assert _stages(world) == {world["places"][0].id: "exploring"}


@pytest.mark.parametrize("role", ["municipality", "viewer"])
def test_other_roles_may_not(world, login_as, role):
    client = login_as(role)
    data = {"municipality": [world["places"][0].id], "stage": "live", "version_1": 1}
    assert client.form(_url(world, "/apply"), data).status_code == 403
    assert _stages(world) == {world["places"][0].id: "exploring"}


def test_an_unknown_stage_is_422(world, login_as):
    client = login_as("coordinator")
    data = {"municipality": [world["places"][1].id], "stage": "bijna"}
    assert client.form(_url(world, "/apply"), data).status_code == 422
    assert _entries(world) == 0


@pytest.mark.parametrize(("role", "boxes"), [("coordinator", 3), ("municipality", 0)])
def test_who_sees_the_rollout_checkboxes(world, login_as, role, boxes):
    client = login_as(role)
    page = client.get(f"/themes/{world['theme'].id}").get_data(as_text=True)
    assert page.count('form="bulk-rollout"') == boxes
