"""Issue 28 item 2: budget lines, spending, the finances page and its workbook."""

import io
import secrets
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import clock
from app.documents.models import Document
from app.extensions import db
from app.formatting import EURO_FORMAT
from app.subsidies.models import BudgetLine, OwnContribution, Spending
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
        partners=[partner],  # 10%
        title="Budgeted dossier",
        reference="BUD-1",
        status="granted",
        submitted_on=date(2024, 1, 10),
        decided_on=date(2024, 3, 1),
        requested_amount=Decimal("100000"),
        granted_amount=Decimal("80000"),
    )
    other = factories.application(call, away, title="Other dossier")
    db.session.flush()
    documents = {
        name: _document(application, name)
        for name, application in (("invoice.pdf", dossier), ("theirs.pdf", other))
    }
    db.session.add(
        OwnContribution(
            application_id=dossier.id,
            municipality_id=home.id,
            entered_as="amount",
            amount=Decimal("18000"),
        )
    )
    db.session.commit()
    return {"home": home, "partner": partner, "away": away, "dossier": dossier,
            "other": other, "documents": documents}  # fmt: skip


def _document(application, name):
    document = Document(
        application_id=application.id,
        kind="annex",
        filename=name,
        content_type="application/pdf",
        size=10,
        storage_key=secrets.token_hex(16),
    )
    db.session.add(document)
    db.session.flush()
    return document


def _base(world):
    return f"/applications/{world['dossier'].id}"


def _add_line(client, world, title="Coach", amount="30.000,00", who="home", **kw):
    data = {
        "line-kind": kw.get("kind", "personnel"),
        "line-title": title,
        "line-municipality_id": str(world[who].id),
        "line-planned_amount": amount,
    }
    return client.form(f"{_base(world)}/budget-lines", data, htmx=True)


def _line(title):
    db.session.expire_all()
    return db.session.scalar(select(BudgetLine).where(BudgetLine.title == title))


def _spend(client, world, line, amount, on=None, document=None, text="Factuur"):
    data = {
        "spending-budget_line_id": str(line.id),
        "spending-spent_on": (on or date(2024, 6, 1)).isoformat(),
        "spending-amount": amount,
        "spending-description": text,
        "spending-document_id": str(document.id) if document else "",
    }
    return client.form(f"{_base(world)}/spending", data, htmx=True)


def _planned_and_spent(client, world):
    client.form(f"{_base(world)}/budget-lines", {}, htmx=True)  # warm the token
    _add_line(client, world, "Coach", "30.000,00")
    _add_line(client, world, "Laptops", "10000", who="partner", kind="equipment")
    coach, laptops = _line("Coach"), _line("Laptops")
    invoice = world["documents"]["invoice.pdf"]
    assert (
        _spend(client, world, coach, "12.500,00", document=invoice).status_code == 200
    )
    assert _spend(client, world, coach, "2500").status_code == 200
    assert _spend(client, world, laptops, "11000").status_code == 200
    return coach, laptops


def test_planned_vs_spent_per_line_per_partner_and_in_total(login_as, world):
    client = login_as("coordinator")
    coach, laptops = _planned_and_spent(client, world)
    response = client.htmx("GET", f"{_base(world)}/finances")
    page = client.get(f"{_base(world)}/finances").get_data(as_text=True)
    assert response.status_code == 200
    assert (
        f'data-line-id="{coach.id}" data-planned="30000.00" data-spent="15000.00"'
        in (page)
    )
    assert (
        f'data-line-id="{laptops.id}" data-planned="10000.00" data-spent="11000.00"'
        in (page)
    )
    assert "boven budget" in page  # the laptops line is over its plan
    assert 'id="budget-total" data-planned="40000.00" data-spent="26000.00"' in page
    home, partner = world["home"].id, world["partner"].id
    assert (
        f'data-municipality-id="{home}" data-planned="30000.00" data-spent="15000.00"'
        in (page)
    )
    partner_row = f'data-municipality-id="{partner}" data-planned="10000.00" '
    assert partner_row + 'data-spent="11000.00"' in page
    # Subsidy vs own contribution beside it: 72.000 (90% of 80.000) and 18.000.
    assert 'data-subsidy="72000.00" data-own="18000.00" data-own-pct="20.00"' in page
    assert "invoice.pdf" in page and "€\xa012.500,00" in page


def test_bad_input_is_refused_with_a_message_and_changes_nothing(login_as, world):
    client = login_as("coordinator")
    client.user.language = "en"
    db.session.commit()
    response = _add_line(client, world, amount="-5")
    assert response.status_code == 422
    assert "An amount cannot be negative." in response.get_data(as_text=True)
    response = _add_line(client, world, who="away")
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count(BudgetLine.id))) == 0
    _add_line(client, world, "Coach")
    coach = _line("Coach")
    theirs = world["documents"]["theirs.pdf"]
    for kwargs, message in [
        ({"amount": "0"}, "Spending is more than zero."),
        (
            {"amount": "10", "on": clock.today() + timedelta(days=3)},
            "not in the future",
        ),
        ({"amount": "10", "document": theirs}, "Not a valid choice"),
    ]:
        amount = kwargs.pop("amount")
        response = _spend(client, world, coach, amount, **kwargs)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Spending.id))) == 0


def test_a_line_with_spending_is_not_deleted(login_as, world):
    client = login_as("coordinator")
    coach, _laptops = _planned_and_spent(client, world)
    response = client.form(
        f"{_base(world)}/budget-lines/{coach.id}/delete", {}, htmx=True
    )
    assert response.status_code == 422
    assert "verwijder eerst die uitgaven" in response.get_data(as_text=True)
    assert _line("Coach") is not None
    for spending_id in db.session.scalars(
        select(Spending.id).where(Spending.budget_line_id == coach.id)
    ).all():
        url = f"{_base(world)}/spending/{spending_id}/delete"
        assert client.form(url, {}).status_code == 303
    url = f"{_base(world)}/budget-lines/{coach.id}/delete"
    assert client.form(url, {}).status_code == 303
    assert _line("Coach") is None


def test_a_stale_line_edit_is_a_conflict(login_as, world):
    client = login_as("coordinator")
    _add_line(client, world, "Coach")
    line = _line("Coach")
    url = f"{_base(world)}/budget-lines/{line.id}"

    def edit(amount, version):
        data = {
            f"line-{line.id}-version": version,
            f"line-{line.id}-kind": "personnel",
            f"line-{line.id}-title": "Coach",
            f"line-{line.id}-planned_amount": amount,
        }
        return client.form(url, data, htmx=True)

    assert edit("35000", "1").status_code == 200
    assert edit("40000", "1").status_code == 409
    assert _line("Coach").planned_amount == Decimal("35000.00")


def test_the_workbook_holds_the_overview_cell_by_cell(login_as, world):
    client = login_as("coordinator")
    _planned_and_spent(client, world)
    response = client.get(f"/exports/finances-{world['dossier'].id}.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [
        "Samenvatting",
        "Per gemeente",
        "Budgetlijnen",
        "Uitgaven",
    ]
    summary = {row[0]: row[1] for row in workbook["Samenvatting"].iter_rows(
        min_row=2, values_only=True)}  # fmt: skip
    assert summary["Dossier"] == "Budgeted dossier"
    assert summary["Subsidie (toegekend)"] == 80000
    assert summary["Eigen inbreng"] == 18000
    assert summary["Minimum dat de oproep vraagt"] == pytest.approx(0.2)
    assert (summary["Gepland"], summary["Uitgegeven"], summary["Resterend"]) == (
        40000,
        26000,
        14000,
    )
    partners = list(workbook["Per gemeente"].iter_rows(values_only=True))
    assert partners[0][:3] == ("Gemeente", "Rol", "Subsidie")
    assert partners[1] == ("Home", "promotor", 72000, 18000, 30000, 15000, 15000)
    assert partners[2] == ("Partner", "partner", 8000, 0, 10000, 11000, -1000)
    lines = list(workbook["Budgetlijnen"].iter_rows(values_only=True))
    assert lines[1] == ("Coach", "Personeel", "Home", 30000, 15000, 15000)
    assert lines[2][:2] == ("Laptops", "Uitrusting en licenties")
    assert workbook["Budgetlijnen"]["D2"].number_format == EURO_FORMAT
    spending = list(workbook["Uitgaven"].iter_rows(values_only=True))
    assert len(spending) == 4
    assert ("Coach", 12500, "Factuur", "invoice.pdf") in [row[1:] for row in spending]
    assert workbook["Uitgaven"]["A2"].is_date


@pytest.mark.parametrize(
    ("role", "page", "post"),
    [
        ("coordinator", 200, 200),
        ("partner", 200, 403),
        ("outsider", 404, 404),
        ("viewer", 403, 403),
    ],
)
def test_what_each_role_sees_and_may_do(login_as, world, role, page, post):
    coordinator = login_as("coordinator")
    _planned_and_spent(coordinator, world)
    if role == "coordinator":
        client = coordinator
    elif role == "viewer":
        client = login_as("viewer")
    else:
        place = world["partner"] if role == "partner" else world["away"]
        client = login_as("municipality", municipality=place)
    response = client.get(f"{_base(world)}/finances")
    assert response.status_code == page
    body = response.get_data(as_text=True)
    export = client.get(f"/exports/finances-{world['dossier'].id}.xlsx")
    assert export.status_code == page
    if page == 200:
        assert "€\xa012.500,00" in body
        forms = "/budget-lines" in body and "/spending" in body
        assert forms == (post == 200)
    else:
        assert "12.500" not in body and "Coach" not in body
    before = db.session.scalar(select(func.count(BudgetLine.id)))
    response = _add_line(client, world, "By " + role)
    assert response.status_code == post
    expected = before + (1 if post == 200 else 0)
    assert db.session.scalar(select(func.count(BudgetLine.id))) == expected


def test_the_dossier_and_its_financial_report_link_to_the_finances(login_as, world):
    dossier = world["dossier"]
    from app.subsidies.models import ReportingObligation

    db.session.add(
        ReportingObligation(
            application_id=dossier.id,
            title="Financieel eindrapport",
            kind="financial",
            due_on=date(2025, 3, 31),
        )
    )
    db.session.commit()
    page = login_as("coordinator").get(_base(world)).get_data(as_text=True)
    link = f'href="{_base(world)}/finances"'
    assert page.count(link) == 2  # the finances section and the financial report
