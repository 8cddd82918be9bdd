"""Issue 28 item 2: the money of a dossier beyond the grant (own contributions)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.activity.models import Activity
from app.extensions import db
from app.formatting import EURO_FORMAT
from app.subsidies import finances
from app.subsidies.models import Application, OwnContribution
from tests import factories


@pytest.fixture
def world(app):
    home, partner, away = (
        factories.municipality("Home"),
        factories.municipality("Partner"),
        factories.municipality("Away"),
    )
    call = factories.call(title="Call with rule", cofinancing_pct=Decimal("20"))
    dossier = factories.application(
        call,
        home,
        partners=[partner],  # 10% share
        title="Shared dossier",
        status="granted",
        submitted_on=date(2024, 1, 10),
        decided_on=date(2024, 3, 1),
        requested_amount=Decimal("100000"),
        granted_amount=Decimal("80000"),
    )
    db.session.commit()
    return {"home": home, "partner": partner, "away": away, "call": call,
            "dossier": dossier}  # fmt: skip


def _url(world, who="home"):
    return f"/applications/{world['dossier'].id}/contributions/{world[who].id}"


def _post(client, world, value, unit="amount", who="home", version="", htmx=True):
    mid = world[who].id
    data = {
        f"own-{mid}-value": value,
        f"own-{mid}-entered_as": unit,
        f"own-{mid}-version": version,
    }
    return client.form(_url(world, who), data, htmx=htmx)


def _contribution(world, who="home"):
    db.session.expire_all()
    return db.session.scalar(
        select(OwnContribution).where(
            OwnContribution.application_id == world["dossier"].id,
            OwnContribution.municipality_id == world[who].id,
        )
    )


def test_an_amount_is_stored_as_entered_and_its_share_computed(login_as, world):
    client = login_as("coordinator")
    response = _post(client, world, "18.000,00")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="dossier-finances"' in body
    stored = _contribution(world)
    assert (stored.entered_as, stored.amount, stored.share_pct) == (
        "amount",
        Decimal("18000.00"),
        None,
    )
    # The lead holds 90% of the 80.000 grant: 72.000; 18.000 / 90.000 = 20%.
    assert f'data-municipality-id="{world["home"].id}" data-subsidy="72000.00" ' in (
        body
    )
    assert 'data-own="18000.00" data-own-pct="20.00"' in body


def test_a_percentage_is_stored_as_entered_and_its_amount_computed(login_as, world):
    client = _english(login_as("coordinator"))
    assert _post(client, world, "20", unit="percent", who="partner").status_code == 200
    stored = _contribution(world, "partner")
    assert (stored.entered_as, stored.amount, stored.share_pct) == (
        "percent",
        None,
        Decimal("20.00"),
    )
    rows = finances.dossier_contributions(
        db.session.get(Application, stored.application_id)
    )
    partner_row = next(r for r in rows.rows if not r.is_lead)
    # 10% of 80.000 = 8.000 of grant; 20% of the cost: 8.000 × 20 / 80 = 2.000.
    assert (partner_row.subsidy, partner_row.own, partner_row.own_pct) == (
        Decimal("8000.00"),
        Decimal("2000.00"),
        Decimal("20.00"),
    )
    page = client.get(f"/applications/{world['dossier'].id}").get_data(as_text=True)
    assert "€2,000.00" in page and "entered as 20%" in page


def test_the_page_warns_when_the_own_contribution_is_below_the_calls_rule(
    login_as, world
):
    client = login_as("coordinator")
    _post(client, world, "10", unit="percent")
    page = client.get(f"/applications/{world['dossier'].id}").get_data(as_text=True)
    assert 'id="cofinancing-warning"' in page
    assert "onder de 20% die de oproep vraagt" in page
    assert _post(client, world, "20", unit="percent", version="1").status_code == 200
    assert _post(client, world, "25", unit="percent", who="partner").status_code == 200
    page = client.get(f"/applications/{world['dossier'].id}").get_data(as_text=True)
    assert 'id="cofinancing-warning"' not in page
    assert "€\xa018.000,00" in page  # 72.000 × 20 / 80, formatted in Dutch


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("-5", "amount", "An amount cannot be negative."),
        ("abc", "amount", "Not an amount"),
        ("100", "percent", "less than 100%"),
        ("-1", "percent", "A percentage cannot be negative."),
        ("twenty", "percent", "Not a percentage"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    login_as, world, value, unit, message
):
    client = _english(login_as("coordinator"))
    response = _post(client, world, value, unit=unit)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _contribution(world) is None


def test_bad_input_reads_in_dutch_by_default(login_as, world):
    response = _post(login_as("coordinator"), world, "100", unit="percent")
    assert response.status_code == 422
    assert "minder dan 100%" in response.get_data(as_text=True)


def test_a_stale_form_is_a_conflict_and_changes_nothing(login_as, world):
    client = login_as("coordinator")
    _post(client, world, "1000")
    _post(client, world, "2000", version="1")
    response = _post(client, world, "3000", version="1")
    assert response.status_code == 409
    assert _contribution(world).amount == Decimal("2000.00")
    # Someone added one while this form still showed none.
    response = _post(client, world, "5", unit="percent", version="")
    assert response.status_code == 409


def test_empty_clears_and_each_change_is_one_activity_entry(login_as, world):
    client = login_as("coordinator")
    _post(client, world, "1000")
    assert _post(client, world, "", version="1").status_code == 200
    assert _contribution(world) is None
    entries = db.session.scalars(
        select(Activity).where(Activity.action == "own_contribution")
    ).all()
    assert [e.changes for e in entries] == [
        {"amount": [None, "1000.00"]},
        {"amount": ["1000.00", None]},
    ]


def test_only_the_lead_and_partners_contribute(login_as, world):
    client = login_as("coordinator")
    assert _post(client, world, "1000", who="away").status_code == 404
    errors = finances.set_own_contribution(
        db.session.get(Application, world["dossier"].id),
        world["away"],
        "amount",
        Decimal("1000"),
        "",
        None,
    )
    assert "value" in errors
    assert db.session.scalar(select(func.count(OwnContribution.id))) == 0


def test_a_partner_that_leaves_takes_its_contribution_along(login_as, world):
    client = login_as("coordinator")
    _post(client, world, "500", who="partner")
    url = f"/applications/{world['dossier'].id}/partners/{world['partner'].id}/delete"
    assert client.form(url, {}).status_code == 303
    assert _contribution(world, "partner") is None


@pytest.mark.parametrize(
    ("role", "status"), [("municipality", 403), ("lead", 404), ("viewer", 403)]
)
def test_only_who_manages_the_dossier_enters_money(login_as, world, role, status):
    municipality = world["home"] if role == "municipality" else world["away"]
    client = login_as(role, municipality=municipality)
    assert _post(client, world, "1000").status_code == status
    assert _contribution(world) is None


def test_what_each_role_sees_of_the_finances(login_as, world):
    db.session.add(
        OwnContribution(
            application_id=world["dossier"].id,
            municipality_id=world["home"].id,
            entered_as="amount",
            amount=Decimal("12345.67"),
        )
    )
    db.session.commit()
    url = f"/applications/{world['dossier'].id}"
    coordinator = login_as("coordinator").get(url).get_data(as_text=True)
    assert "12.345,67" in coordinator and "contributions/" in coordinator
    involved = login_as("municipality", municipality=world["partner"])
    page = involved.get(url).get_data(as_text=True)
    assert "12.345,67" in page and "contributions/" not in page  # reads, no form
    outsider = login_as("municipality", municipality=world["away"])
    response = outsider.get(url)
    assert response.status_code == 404
    assert "12.345,67" not in response.get_data(as_text=True)
    assert login_as("viewer").get(url).status_code == 403


def _english(client):
    client.user.language = "en"
    db.session.commit()
    return client


def test_the_demo_shows_own_contributions_and_the_warning(demo_login):
    client = demo_login("coordinator@midwest.example")
    dossier = db.session.scalar(
        select(Application.id).where(Application.reference == "DEMO-LEDEGEM")
    )
    page = client.get(f"/applications/{dossier}").get_data(as_text=True)
    # Ledegem holds 40% of € 90.000 (36.000) and puts in 9.000: 20%.
    assert 'data-own="9000.00" data-own-pct="20.00"' in page
    assert "ingevoerd als 15%" in page  # Izegem's, entered as a percentage
    assert 'id="cofinancing-warning"' in page


def test_the_applications_export_ends_with_the_own_contribution(login_as, world):
    client = login_as("coordinator")
    _post(client, world, "18000")
    _post(client, world, "20", unit="percent", who="partner")
    response = client.get("/exports/applications.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    # The existing columns keep their names and places; the new ones come last.
    assert rows[0][:2] == ("Referentie", "Titel")
    assert rows[0][15:] == (
        "Einde project",
        "Eigen inbreng",
        "Aandeel eigen inbreng in de projectkost",
    )
    dossier = next(row for row in rows if row[1] == "Shared dossier")
    assert dossier[16] == 20000  # 18.000 of the lead and 2.000 of the partner
    assert dossier[17] == pytest.approx(0.2)
    assert sheet.cell(row=2, column=17).number_format == EURO_FORMAT
    # A municipality outside the dossier gets no row of it, so none of its money.
    outsider = login_as("municipality", municipality=world["away"])
    export = outsider.get("/exports/applications.xlsx")
    titles = [r[1] for r in load_workbook(io.BytesIO(export.data)).worksheets[0]
              .iter_rows(min_row=2, values_only=True)]  # fmt: skip
    assert "Shared dossier" not in titles


def test_an_outsider_reads_no_activity_about_the_contribution(login_as, world):
    _post(login_as("coordinator"), world, "12345")
    outsider = login_as("municipality", municipality=world["away"])
    page = outsider.get("/activity").get_data(as_text=True)
    assert "Shared dossier" not in page and "12.345" not in page
    partner = login_as("municipality", municipality=world["partner"])
    page = partner.get("/activity").get_data(as_text=True)
    assert "Eigen inbreng van Home in “Shared dossier” gewijzigd" in page


def test_the_roll_ups_add_up_the_own_contribution_to_the_cent_as_the_page(
    login_as, world
):
    from app.subsidies import rollups

    theme = factories.theme(title="Theme")
    world["dossier"].theme_id = theme.id
    db.session.commit()
    client = login_as("coordinator")
    _post(client, world, "1.234,56")
    _post(client, world, "33,33", unit="percent", who="partner")
    dossier = db.session.get(Application, world["dossier"].id)
    page = finances.dossier_contributions(dossier)
    by_municipality = rollups.own_contribution_by_municipality(
        client.user, [world["home"].id, world["partner"].id]
    )
    assert by_municipality[world["home"].id]["lead"] == Decimal("1234.56")
    # 8.000 × 33,33 / 66,67 = 3.999,40 (half up), as the page computes it
    assert by_municipality[world["partner"].id]["partner"] == page.rows[1].own
    assert page.rows[1].own == Decimal("3999.40")
    assert rollups.own_contribution_by_theme(client.user)[theme.id] == page.own
    # Who may not open the dossier gets none of its money in the roll-ups.
    outsider = login_as("municipality", municipality=world["away"])
    assert rollups.own_contribution_by_theme(outsider.user) == {}
    assert rollups.own_contribution_by_municipality(outsider.user) == {}


def test_the_roll_up_pages_show_the_own_contribution_to_who_may_see_it(login_as, world):
    theme = factories.theme(title="Theme")
    world["dossier"].theme_id = theme.id
    db.session.commit()
    _post(login_as("coordinator"), world, "1.234,56")
    home = world["home"]
    for client in (
        login_as("coordinator"),
        login_as("municipality", municipality=world["partner"]),
    ):
        page = client.get("/applications").get_data(as_text=True)
        assert f'data-theme-id="{theme.id}"' in page
        assert 'data-own="1234.56"' in page
        place = client.get(f"/municipalities/{home.slug}").get_data(as_text=True)
        assert 'data-own="1234.56"' in place and "Eigen inbreng" in place
    outsider = login_as("municipality", municipality=world["away"])
    for url in ("/applications", f"/municipalities/{home.slug}"):
        body = outsider.get(url).get_data(as_text=True)
        assert "1234.56" not in body and "1.234,56" not in body
    viewer_page = login_as("viewer").get(f"/municipalities/{home.slug}")
    assert "1.234,56" not in viewer_page.get_data(as_text=True)
