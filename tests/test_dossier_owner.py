"""A dossier's owner is someone who may open it (issue 24 item 13): only they are
offered and accepted, and whoever loses access hands the dossier back to the
coordinator making the change, with a notice and an activity entry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.activity.models import Activity
from app.auth.models import User
from app.extensions import db
from app.subsidies.models import Application, ReportingObligation
from tests import factories


@pytest.fixture
def world(app):
    lead_town, partner_town, elsewhere = (
        factories.municipality("Leiestad"),
        factories.municipality("Partnerdorp"),
        factories.municipality("Elders"),
    )
    call = factories.call(title="Open call")
    dossier = factories.application(
        call, lead_town, partners=[partner_town], title="Gedeeld dossier"
    )
    people = {
        "lead_person": factories.user(
            "lead", municipality_=lead_town, full_name="Olga Leiestad"
        ),
        "partner_person": factories.user(
            "municipality", municipality_=partner_town, full_name="Olaf Partner"
        ),
        "outsider": factories.user(
            "municipality", municipality_=elsewhere, full_name="Otto Elders"
        ),
        "gone": factories.user(
            "lead", municipality_=lead_town, full_name="Oscar Weg", active=False
        ),
        "viewer": factories.user("viewer", full_name="Odette Kijker"),
    }
    db.session.commit()
    return {"dossier": dossier, "partner_town": partner_town, **people}


def test_only_people_who_may_open_the_dossier_are_offered(login_as, world):
    dossier = world["dossier"]
    client = login_as("coordinator", full_name="Oda Coordinator")
    typed = client.htmx(
        "GET",
        f"/choices/owner?owner_id_search=o&dossier={dossier.id}"
        f"&lead_municipality_id={dossier.lead_municipality_id}",
    ).text
    for offered in ("Olga Leiestad", "Olaf Partner", "Oda Coordinator"):
        assert offered in typed
    for refused in ("Otto Elders", "Oscar Weg", "Odette Kijker"):
        assert refused not in typed
    # A new dossier: its lead as chosen in the form (sent along by hx-include).
    page = client.get("/applications/new").text
    assert 'hx-include="#dossier-lead_municipality_id"' in page
    new = client.htmx(
        "GET",
        "/choices/owner?owner_id_search=o"
        f"&lead_municipality_id={world['partner_town'].id}",
    ).text
    assert "Olaf Partner" in new and "Olga Leiestad" not in new


def test_choices_of_owners_are_for_the_coordinator_only(login_as, world):
    dossier = world["dossier"]
    client = login_as(world["lead_person"])
    typed = client.htmx(
        "GET", f"/choices/owner?owner_id_search=o&dossier={dossier.id}"
    ).text
    assert "Olaf Partner" not in typed and "Olga" not in typed


@pytest.mark.parametrize("who", ["outsider", "gone", "viewer"])
def test_an_owner_who_cannot_open_the_dossier_is_refused(login_as, world, who):
    dossier = world["dossier"]
    client = login_as("coordinator")
    before = dossier.version
    refused = client.form(
        f"/applications/{dossier.id}/edit",
        factories.dossier_form(dossier, owner_id=world[who].id),
    )
    assert refused.status_code == 422
    assert "Kies een persoon die het dossier mag openen" in refused.text
    saved = db.session.get(Application, dossier.id)
    assert (saved.owner_id, saved.version) == (None, before)
    accepted = client.form(
        f"/applications/{dossier.id}/edit",
        factories.dossier_form(dossier, owner_id=world["partner_person"].id),
    )
    assert accepted.status_code == 303
    assert (
        db.session.get(Application, dossier.id).owner_id == world["partner_person"].id
    )


def _owned_by(world, person_key: str) -> Application:
    dossier = db.session.get(Application, world["dossier"].id)
    dossier.owner_id = world[person_key].id
    db.session.add(
        ReportingObligation(
            application_id=dossier.id,
            title="Eindverslag",
            kind="final",
            due_on=date(2030, 1, 1),
            owner_id=world[person_key].id,
        )
    )
    db.session.commit()
    return dossier


def _handed_back_to(coordinator: User, dossier_id: int) -> None:
    dossier = db.session.get(Application, dossier_id)
    db.session.refresh(dossier)
    assert dossier.owner_id == coordinator.id
    assert [o.owner_id for o in dossier.obligations] == [coordinator.id]
    entries = db.session.scalars(
        select(Activity).where(Activity.action == "owner_returned")
    ).all()
    assert {e.entity_type for e in entries} == {"application", "reporting_obligation"}


def test_removing_the_owners_partner_hands_the_dossier_back(login_as, world):
    dossier = _owned_by(world, "partner_person")
    client = login_as("coordinator")
    response = client.form(
        f"/applications/{dossier.id}/partners/{world['partner_town'].id}/delete",
        htmx=True,
    )
    assert response.status_code == 200
    assert 'id="flashes" hx-swap-oob="true"' in response.text
    assert "Olaf Partner kan dit dossier niet meer openen" in response.text
    _handed_back_to(client.user, dossier.id)
    activity = client.get("/activity").text
    assert "Olaf Partner kan het dossier niet meer openen" in activity


def test_an_owner_who_stays_involved_keeps_the_dossier(login_as, world):
    dossier = _owned_by(world, "lead_person")
    client = login_as("coordinator")
    client.form(
        f"/applications/{dossier.id}/partners/{world['partner_town'].id}/delete",
        htmx=True,
    )
    assert db.session.get(Application, dossier.id).owner_id == world["lead_person"].id


def _user_form(user: User, **changes) -> dict:
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "municipality_id": str(user.municipality_id or ""),
        "language": user.language,
        "active": "y",
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


@pytest.mark.parametrize(
    "change",
    ["deactivated", "moved", "viewer"],
)
def test_an_account_change_hands_the_dossiers_back(login_as, world, change):
    person = world["partner_person"]
    dossier = _owned_by(world, "partner_person")
    changes = {
        "deactivated": {"active": None},
        "moved": {"municipality_id": str(world["outsider"].municipality_id)},
        "viewer": {"role": "viewer", "municipality_id": ""},
    }[change]
    client = login_as("coordinator")
    response = client.form(f"/admin/users/{person.id}", _user_form(person, **changes))
    assert response.status_code == 303
    _handed_back_to(client.user, dossier.id)
    page = client.get("/admin/users").text
    assert "Olaf Partner kan het dossier “Gedeeld dossier” niet meer openen" in page
