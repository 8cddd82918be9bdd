"""Forms that pick one of hundreds of municipalities use a search field, not a
select listing every one (issue 15): the page stays small, a valid choice saves,
a bad id is a 422 that changes nothing, and a POST of the id works without htmx."""

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.municipalities.models import Municipality
from app.strategy.models import Conversation
from app.subsidies.models import Application, ApplicationPartner
from tests import factories

#: More municipalities than a select may list.
MANY = 60


def _largest_select(html: str) -> int:
    """The number of options of the page's longest <select>."""
    selects = re.findall(r"<select\b.*?</select>", html, flags=re.S)
    return max((s.count("<option") for s in selects), default=0)


def _named(name: str) -> Municipality:
    return db.session.scalar(select(Municipality).where(Municipality.name == name))


@pytest.fixture
def world(app):
    home, away = factories.municipality("Home"), factories.municipality("Away")
    for n in range(MANY):
        factories.municipality(f"Dorp {n:02d}")
    merged = factories.municipality("Samengevoegd")
    db.session.flush()
    merged.merged_into_id, merged.merged_on = away.id, date(2025, 1, 1)
    call = factories.call(title="Open call")
    dossier = factories.application(call, home, title="Own dossier")
    db.session.commit()
    return {"home": home, "away": away, "merged": merged, "call": call,
            "dossier": dossier}  # fmt: skip


def _page_has_search_not_select(html: str, name: str) -> None:
    assert _largest_select(html) <= 50
    assert f'name="{name}_search"' in html
    assert "Dorp 07" not in html  # nothing listed before a search


# --- the dossier form's lead municipality -------------------------------------------


def test_lead_municipality_is_a_search_on_the_dossier_forms(login_as, world):
    dossier = world["dossier"]
    client = login_as("coordinator")
    for url in ("/applications/new", f"/applications/{dossier.id}/edit"):
        response = client.get(url)
        assert response.status_code == 200, url
        _page_has_search_not_select(response.text, "lead_municipality_id")
    edit = client.get(f"/applications/{dossier.id}/edit").text
    home = world["home"].id
    assert f'name="lead_municipality_id" value="{home}" checked> Home' in edit
    assert 'name="lead_municipality_id" value=""' not in edit  # a lead is required
    typed = client.htmx(
        "GET",
        "/choices/workplace?name=lead_municipality_id"
        "&lead_municipality_id_search=dorp 0"
        "&target=dossier-lead_municipality_id-matches",
    ).text
    assert "<html" not in typed
    assert 'id="dossier-lead_municipality_id-matches"' in typed
    chosen = _named("Dorp 07")
    assert f'name="lead_municipality_id" value="{chosen.id}"> Dorp 07' in typed
    merged = client.htmx(
        "GET", "/choices/workplace?name=lead_municipality_id"
        "&lead_municipality_id_search=samen",
    ).text  # fmt: skip
    assert "Samengevoegd" not in merged  # merged away: no new dossier leads it
    hostile = client.htmx(
        "GET", '/choices/workplace?name="><script>&municipality_id_search=dorp 07'
    ).text  # not a field name: the kind's own name is used
    assert "<script>" not in hostile
    assert f'name="municipality_id" value="{chosen.id}"> Dorp 07' in hostile


def test_a_chosen_lead_saves_without_htmx(login_as, world):
    dossier = world["dossier"]
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    saved = client.form(
        f"/applications/{dossier.id}/edit",
        factories.dossier_form(dossier, lead_municipality_id=chosen.id),
    )
    assert saved.status_code == 303
    assert db.session.get(Application, dossier.id).lead_municipality_id == chosen.id
    created = client.form(
        "/applications/new",
        {"call_id": str(world["call"].id), "title": "Nieuw dossier",
         "lead_municipality_id": str(chosen.id), "requested_amount": "1000"},
    )  # fmt: skip
    assert created.status_code == 303
    new = db.session.scalar(select(Application).filter_by(title="Nieuw dossier"))
    assert new.lead_municipality_id == chosen.id


@pytest.mark.parametrize("value", ["merged", "999999", "abc", ""])
def test_a_bad_lead_is_422_and_changes_nothing(login_as, world, value):
    dossier = world["dossier"]
    value = str(world["merged"].id) if value == "merged" else value
    client = login_as("coordinator")
    refused = client.form(
        f"/applications/{dossier.id}/edit",
        factories.dossier_form(dossier, title="Changed", lead_municipality_id=value),
    )
    assert refused.status_code == 422
    page = refused.text  # in the coordinator's language (Dutch)
    assert 'class="field-error"' in page and 'aria-invalid="true"' in page
    if value not in ("abc", ""):
        assert "Kies een gemeente uit de gevonden namen." in page
    kept = db.session.get(Application, dossier.id)
    assert (kept.title, kept.lead_municipality_id, kept.version) == (
        "Own dossier",
        world["home"].id,
        dossier.version,
    )
    created = client.form(
        "/applications/new",
        {"call_id": str(world["call"].id), "title": "Nergens",
         "lead_municipality_id": value, "requested_amount": "1000"},
    )  # fmt: skip
    assert created.status_code == 422
    assert db.session.scalar(select(Application).filter_by(title="Nergens")) is None


def test_a_bad_lead_is_explained_in_english_too(login_as, world):
    dossier = world["dossier"]
    client = login_as("coordinator")
    client.user.language = "en"
    db.session.commit()
    refused = client.form(
        f"/applications/{dossier.id}/edit",
        factories.dossier_form(dossier, lead_municipality_id=world["merged"].id),
    )
    assert refused.status_code == 422
    assert "Choose a municipality from the matches." in refused.text


def test_the_current_lead_may_stay_when_merged_since(login_as, world):
    dossier = world["dossier"]
    dossier.lead_municipality_id = world["merged"].id
    db.session.commit()
    client = login_as("coordinator")
    page = client.get(f"/applications/{dossier.id}/edit").text
    assert f'value="{world["merged"].id}" checked> Samengevoegd' in page
    saved = client.form(
        f"/applications/{dossier.id}/edit",
        factories.dossier_form(dossier, title="Kept"),
    )
    assert saved.status_code == 303
    kept = db.session.get(Application, dossier.id)
    assert (kept.title, kept.lead_municipality_id) == ("Kept", world["merged"].id)


def test_find_without_javascript_lists_leads_and_saves_nothing(login_as, world):
    dossier = world["dossier"]
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    response = client.form(
        f"/applications/{dossier.id}/edit",
        factories.dossier_form(
            dossier,
            title="Not yet",
            lead_municipality_id_search="dorp 07",
            find="lead_municipality_id",
        ),
    )
    assert response.status_code == 200
    page = response.text
    assert f'name="lead_municipality_id" value="{chosen.id}"> Dorp 07' in page
    assert 'value="Not yet"' in page  # what was typed stays in the form
    kept = db.session.get(Application, dossier.id)
    assert (kept.title, kept.version) == ("Own dossier", dossier.version)


# --- a dossier's "add a partner" ----------------------------------------------------


def _partners(dossier: Application) -> list[int]:
    return list(
        db.session.scalars(
            select(ApplicationPartner.municipality_id).filter_by(
                application_id=dossier.id
            )
        )
    )


def test_partner_is_a_search_on_the_dossier_page(login_as, world):
    dossier = world["dossier"]
    client = login_as("coordinator")
    response = client.get(f"/applications/{dossier.id}")
    assert response.status_code == 200
    _page_has_search_not_select(response.text, "partner-municipality_id")
    chosen = _named("Dorp 07")
    typed = client.htmx(
        "GET",
        "/choices/workplace?name=partner-municipality_id"
        "&partner-municipality_id_search=dorp 0"
        "&target=dossier-partner-municipality_id-matches",
    ).text
    assert 'id="dossier-partner-municipality_id-matches"' in typed
    assert f'name="partner-municipality_id" value="{chosen.id}"> Dorp 07' in typed
    listed = client.get(
        f"/applications/{dossier.id}?partner-municipality_id_search=dorp 07"
    ).text  # without JavaScript: the page lists what was searched
    assert f'name="partner-municipality_id" value="{chosen.id}"> Dorp 07' in listed


@pytest.mark.parametrize("htmx", [False, True])
def test_a_chosen_partner_is_added(login_as, world, htmx):
    dossier = world["dossier"]
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    added = client.form(
        f"/applications/{dossier.id}/partners",
        {"partner-municipality_id": str(chosen.id), "partner-share_pct": "25"},
        htmx=htmx,
    )
    assert added.status_code == (200 if htmx else 303)
    assert _partners(dossier) == [chosen.id]
    share = db.session.get(ApplicationPartner, (dossier.id, chosen.id)).share_pct
    assert share == Decimal("25.00")


@pytest.mark.parametrize("value", ["merged", "999999", "abc", ""])
def test_a_bad_partner_is_422_and_adds_nothing(login_as, world, value):
    dossier = world["dossier"]
    value = str(world["merged"].id) if value == "merged" else value
    client = login_as("coordinator")
    for htmx in (False, True):
        refused = client.form(
            f"/applications/{dossier.id}/partners",
            {"partner-municipality_id": value, "partner-share_pct": "25"},
            htmx=htmx,
        )
        assert refused.status_code == 422
        page = refused.text
        assert 'class="field-error"' in page
        assert ("<html" in page) is not htmx
        if value not in ("abc", ""):
            assert "Kies een gemeente uit de gevonden namen." in page
        assert _partners(dossier) == []


def test_find_partner_without_javascript_lists_matches_and_adds_nothing(
    login_as, world
):
    dossier = world["dossier"]
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    response = client.form(
        f"/applications/{dossier.id}/partners",
        {"partner-municipality_id_search": "dorp 07",
         "partner-share_pct": "25", "find": "partner-municipality_id"},
    )  # fmt: skip
    assert response.status_code == 200
    assert f'name="partner-municipality_id" value="{chosen.id}"> Dorp 07' in (
        response.text
    )
    assert _partners(dossier) == []


# --- the talk form's municipality ---------------------------------------------------


def _talks_with(municipality_id: int) -> int:
    return db.session.scalar(
        select(func.count(Conversation.id)).filter_by(municipality_id=municipality_id)
    )


def test_talk_municipality_is_a_search_of_every_municipality(login_as, world):
    talk = factories.talk(world["merged"], [], held_on=date(2021, 3, 1))
    db.session.commit()
    client = login_as("coordinator")
    for url in ("/talks/new", f"/talks/{talk.id}/edit"):
        response = client.get(url)
        assert response.status_code == 200, url
        _page_has_search_not_select(response.text, "municipality_id")
    edit = client.get(f"/talks/{talk.id}/edit").text
    merged = world["merged"].id
    assert f'name="municipality_id" value="{merged}" checked> Samengevoegd (' in edit
    typed = client.htmx(
        "GET",
        "/choices/municipality?name=municipality_id&municipality_id_search=samen"
        "&target=talk-municipality_id-matches",
    ).text
    assert 'id="talk-municipality_id-matches"' in typed
    # A talk may be from before a merger: merged municipalities are found too.
    assert f'name="municipality_id" value="{merged}"> Samengevoegd (' in typed


def test_a_chosen_talk_municipality_saves_without_htmx(login_as, world):
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    saved = client.form(
        "/talks/new", {"municipality_id": str(chosen.id), "held_on": "2021-03-15"}
    )
    assert saved.status_code == 303
    assert _talks_with(chosen.id) == 1
    talk = db.session.scalar(select(Conversation))
    moved = client.form(
        f"/talks/{talk.id}/edit",
        {"municipality_id": str(world["merged"].id), "held_on": "2021-03-15"},
    )
    assert moved.status_code == 303
    assert db.session.get(Conversation, talk.id).municipality_id == world["merged"].id


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_a_bad_talk_municipality_is_422_and_changes_nothing(login_as, world, value):
    talk = factories.talk(world["home"], [], held_on=date(2021, 3, 1))
    db.session.commit()
    client = login_as("coordinator")
    for url in ("/talks/new", f"/talks/{talk.id}/edit"):
        refused = client.form(url, {"municipality_id": value, "held_on": "2021-04-01"})
        assert refused.status_code == 422, url
        page = refused.text
        assert 'class="field-error"' in page and 'aria-invalid="true"' in page
        if value == "999999":
            assert "Kies een gemeente uit de gevonden namen." in page
    assert db.session.scalar(select(func.count(Conversation.id))) == 1
    kept = db.session.get(Conversation, talk.id)
    assert (kept.municipality_id, kept.held_on) == (world["home"].id, date(2021, 3, 1))


def test_find_talk_municipality_without_javascript_saves_nothing(login_as, world):
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    response = client.form(
        "/talks/new",
        {"municipality_id_search": "dorp 07", "held_on": "2021-03-15",
         "delegation": "Schepen", "find": "municipality_id"},
    )  # fmt: skip
    assert response.status_code == 200
    assert f'name="municipality_id" value="{chosen.id}"> Dorp 07' in response.text
    assert 'value="Schepen"' in response.text  # what was typed stays in the form
    assert db.session.scalar(select(func.count(Conversation.id))) == 0


# --- the admin user form's municipality and the /admin/users filter -----------------


def _user_data(**changes) -> dict:
    data = {"email": "nieuw@example.org", "full_name": "Nieuwe Collega",
            "role": "municipality", "language": "nl", "active": "y"}  # fmt: skip
    return data | {name: str(value) for name, value in changes.items()}


def test_user_municipality_is_a_search_on_the_user_forms(login_as, world):
    worker = factories.user("municipality", municipality=world["merged"])
    db.session.commit()
    client = login_as("coordinator")
    for url in ("/admin/users/new", f"/admin/users/{worker.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        _page_has_search_not_select(response.text, "municipality_id")
    edit = client.get(f"/admin/users/{worker.id}").text
    merged = world["merged"].id
    assert f'name="municipality_id" value="{merged}" checked> Samengevoegd (' in edit
    typed = client.htmx(
        "GET",
        "/choices/municipality?name=municipality_id&municipality_id_search=dorp 07"
        "&target=user-municipality_id-matches",
    ).text
    chosen = _named("Dorp 07")
    assert 'id="user-municipality_id-matches"' in typed
    assert f'name="municipality_id" value="{chosen.id}"> Dorp 07' in typed


def test_a_chosen_user_municipality_saves_without_htmx(login_as, world):
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    created = client.form("/admin/users/new", _user_data(municipality_id=chosen.id))
    assert created.status_code == 200  # the temporary password
    user = db.session.scalar(select(User).filter_by(email="nieuw@example.org"))
    assert user.municipality_id == chosen.id
    moved = client.form(
        f"/admin/users/{user.id}", _user_data(municipality_id=world["home"].id)
    )
    assert moved.status_code == 303
    assert db.session.get(User, user.id).municipality_id == world["home"].id
    viewer = client.form(
        f"/admin/users/{user.id}", _user_data(role="viewer", municipality_id="")
    )
    assert viewer.status_code == 303  # "No municipality"
    assert db.session.get(User, user.id).municipality_id is None


@pytest.mark.parametrize("value", ["999999", "abc", "", "0"])
def test_a_bad_user_municipality_is_422_and_changes_nothing(login_as, world, value):
    worker = factories.user("municipality", municipality=world["home"])
    db.session.commit()
    client = login_as("coordinator")
    refused = client.form("/admin/users/new", _user_data(municipality_id=value))
    assert refused.status_code == 422
    assert db.session.scalar(select(User).filter_by(email="nieuw@example.org")) is None
    refused = client.form(
        f"/admin/users/{worker.id}",
        _user_data(email=worker.email, full_name="Changed", municipality_id=value),
    )
    assert refused.status_code == 422
    page = refused.text
    assert 'class="field-error"' in page and 'aria-invalid="true"' in page
    if value == "999999":
        assert "Kies een gemeente uit de gevonden namen." in page
    elif value != "abc":
        assert "Deze rol werkt voor een gemeente" in page
    kept = db.session.get(User, worker.id)
    assert (kept.full_name, kept.municipality_id) == (
        worker.full_name,
        world["home"].id,
    )


def test_find_user_municipality_without_javascript_saves_nothing(login_as, world):
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    response = client.form(
        "/admin/users/new",
        _user_data(municipality_id_search="dorp 07", find="municipality_id"),
    )
    assert response.status_code == 200
    assert f'name="municipality_id" value="{chosen.id}"> Dorp 07' in response.text
    assert 'value="Nieuwe Collega"' in response.text
    assert db.session.scalar(select(User).filter_by(email="nieuw@example.org")) is None


def test_users_filter_searches_municipalities(login_as, world):
    chosen = _named("Dorp 42")
    worker = factories.user("municipality", municipality=chosen, full_name="Dora D")
    factories.user("municipality", municipality=world["home"], full_name="Hugo H")
    db.session.commit()
    client = login_as("coordinator")
    page = client.get("/admin/users")
    assert page.status_code == 200
    _page_has_search_not_select(page.text, "municipality")
    found = client.get("/admin/users?municipality_search=dorp 42").text
    assert f'name="municipality" value="{chosen.id}"> Dorp 42' in found
    filtered = client.get(f"/admin/users?municipality={chosen.id}").text
    assert f'name="municipality" value="{chosen.id}" checked> Dorp 42' in filtered
    assert worker.full_name in filtered and "Hugo H" not in filtered


# --- the municipality edit form's "merged into" -------------------------------------


def _municipality_data(m: Municipality, **changes) -> dict:
    data = {"name": m.name, "nis_code": m.nis_code or "", "merged_into_id": "",
            "merged_on": ""}  # fmt: skip
    return data | {name: str(value) for name, value in changes.items()}


def test_merger_target_is_a_search_on_the_edit_form(login_as, world):
    client = login_as("coordinator")
    response = client.get("/municipalities/home/edit")
    assert response.status_code == 200
    _page_has_search_not_select(response.text, "merged_into_id")
    assert 'name="merged_into_id" value="" checked>' in response.text  # not merged
    merged = client.get("/municipalities/samengevoegd/edit").text
    away = world["away"].id
    assert f'name="merged_into_id" value="{away}" checked> Away' in merged
    typed = client.htmx(
        "GET",
        "/choices/workplace?name=merged_into_id&merged_into_id_search=dorp 07"
        "&target=municipality-merged_into_id-matches",
    ).text
    chosen = _named("Dorp 07")
    assert 'id="municipality-merged_into_id-matches"' in typed
    assert f'name="merged_into_id" value="{chosen.id}"> Dorp 07' in typed


def test_a_chosen_merger_target_saves_without_htmx(login_as, world):
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    saved = client.form(
        "/municipalities/home/edit",
        _municipality_data(
            world["home"], merged_into_id=chosen.id, merged_on="2025-01-01"
        ),
    )
    assert saved.status_code == 303
    home = db.session.get(Municipality, world["home"].id)
    db.session.refresh(home)
    assert (home.merged_into_id, home.merged_on) == (chosen.id, date(2025, 1, 1))
    kept = client.form(  # a merged one keeps its target when saved again
        "/municipalities/samengevoegd/edit",
        _municipality_data(
            world["merged"],
            name="Samen",
            merged_into_id=world["away"].id,
            merged_on="2025-01-01",
        ),
    )
    assert kept.status_code == 303
    merged = db.session.get(Municipality, world["merged"].id)
    db.session.refresh(merged)
    assert (merged.name, merged.merged_into_id) == ("Samen", world["away"].id)


@pytest.mark.parametrize(
    ("edited", "value"),
    [
        ("away", "away"),  # itself
        ("away", "merged"),  # a cycle: Samengevoegd merged into Away
        ("home", "merged"),  # merged away: nothing merges into it any more
        ("home", "999999"),
        ("home", "abc"),
    ],
)
def test_a_bad_merger_target_is_422_and_changes_nothing(login_as, world, edited, value):
    target = world[value].id if value in world else value
    municipality = world[edited]
    client = login_as("coordinator")
    refused = client.form(
        f"/municipalities/{municipality.slug}/edit",
        _municipality_data(
            municipality, name="Changed", merged_into_id=target, merged_on="2025-01-01"
        ),
    )
    assert refused.status_code == 422
    page = refused.text
    assert 'class="field-error"' in page and 'aria-invalid="true"' in page
    if value != "abc":
        assert "Kies een gemeente uit de gevonden namen." in page
    kept = db.session.get(Municipality, municipality.id)
    db.session.refresh(kept)
    assert (kept.name, kept.merged_into_id) == (edited.title(), None)


def test_find_merger_target_without_javascript_saves_nothing(login_as, world):
    chosen = _named("Dorp 07")
    client = login_as("coordinator")
    response = client.form(
        "/municipalities/home/edit",
        _municipality_data(
            world["home"],
            name="Not yet",
            merged_into_id_search="dorp 07",
            find="merged_into_id",
        ),
    )
    assert response.status_code == 200
    assert f'name="merged_into_id" value="{chosen.id}"> Dorp 07' in response.text
    assert 'value="Not yet"' in response.text
    home = db.session.get(Municipality, world["home"].id)
    db.session.refresh(home)
    assert (home.name, home.merged_into_id) == ("Home", None)


# --- the dossier form's owner (people, not municipalities) --------------------------


@pytest.fixture
def people(world):
    for n in range(MANY):  # people of the dossier's lead: they may own it
        factories.user(
            role="lead", municipality_=world["home"], full_name=f"Persoon {n:02d}"
        )
    factories.user(role="viewer", full_name="Kijker Alleen")
    db.session.commit()
    return world


def test_owner_is_a_search_on_the_dossier_forms(login_as, people):
    dossier = people["dossier"]
    client = login_as("coordinator")
    for url in ("/applications/new", f"/applications/{dossier.id}/edit"):
        page = client.get(url).text
        assert _largest_select(page) <= 50, url
        assert 'name="owner_id_search"' in page and "Persoon 07" not in page
    typed = client.htmx(
        "GET",
        f"/choices/owner?owner_id_search=persoon 0&dossier={dossier.id}"
        f"&lead_municipality_id={dossier.lead_municipality_id}",
    ).text
    chosen = db.session.scalar(select(User).where(User.full_name == "Persoon 07"))
    assert f'name="owner_id" value="{chosen.id}"> Persoon 07' in typed
    viewers = client.htmx(
        "GET", f"/choices/owner?owner_id_search=kijker&dossier={dossier.id}"
    ).text
    assert "Kijker Alleen" not in viewers  # a viewer owns no dossier
    saved = client.form(
        f"/applications/{dossier.id}/edit",
        factories.dossier_form(dossier, owner_id=chosen.id),
    )
    assert saved.status_code == 303
    assert db.session.get(Application, dossier.id).owner_id == chosen.id
    page = client.get(f"/applications/{dossier.id}/edit").text
    assert f'name="owner_id" value="{chosen.id}" checked> Persoon 07' in page


@pytest.mark.parametrize("value", ["999999", "abc", "viewer"])
def test_a_bad_owner_is_422_and_changes_nothing(login_as, people, value):
    dossier = people["dossier"]
    if value == "viewer":
        value = db.session.scalar(
            select(User.id).where(User.full_name == "Kijker Alleen")
        )
    client = login_as("coordinator")
    before = db.session.get(Application, dossier.id).version
    response = client.form(
        f"/applications/{dossier.id}/edit",
        factories.dossier_form(dossier, owner_id=value),
    )
    assert response.status_code == 422
    application = db.session.get(Application, dossier.id)
    assert (application.owner_id, application.version) == (None, before)
