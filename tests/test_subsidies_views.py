"""Subsidies pages over HTTP: visibility and IDOR, 409, 422, htmx, export, queries."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.subsidies.models import Application, SubsidyCall
from app.work.models import Task
from tests import factories

REPORTING = [{"title": "Voorschot", "kind": "advance", "from": "decision", "days": 30}]


@pytest.fixture
def world(app):
    home, away = factories.municipality("Home"), factories.municipality("Away")
    call = factories.call(title="Open call", reporting_template=REPORTING)
    own = factories.application(
        call, home, title="Own dossier", status="submitted",
        submitted_on=date(2024, 1, 10), requested_amount=Decimal("20000"),
    )  # fmt: skip
    partnered = factories.application(call, away, partners=[home], title="Partnered")
    other = factories.application(call, away, title="Other dossier", notes="secret")
    db.session.commit()
    return {"home": home, "away": away, "call": call, "own": own,
            "partnered": partnered, "other": other}  # fmt: skip


def _english(client):
    client.user.language = "en"
    db.session.commit()
    return client


# --- visibility and IDOR ------------------------------------------------------------


def test_a_municipality_sees_its_dossiers_and_never_another(login_as, world):
    client = login_as("municipality", municipality=world["home"])
    other = world["other"].id
    assert client.get(f"/applications/{world['own'].id}").status_code == 200
    assert client.get(f"/applications/{world['partnered'].id}").status_code == 200
    assert client.get(f"/applications/{other}").status_code == 404
    assert client.htmx("GET", f"/applications/{other}/notes").status_code == 404
    assert client.get(f"/applications/{other}/edit").status_code == 404
    for url, data in [
        (f"/applications/{other}/notes", {"notes": "mine now", "version": "1"}),
        (f"/applications/{other}/status", {"move-status": "preparing"}),
        (f"/applications/{other}/payments", {}),
    ]:
        assert client.form(url, data).status_code == 404
        assert client.form(url, data, htmx=True).status_code == 404
    db.session.refresh(world["other"])
    assert (world["other"].notes, world["other"].status) == ("secret", "idea")
    listing = client.get("/applications").get_data(as_text=True)
    assert "Own dossier" in listing and "Partnered" in listing
    assert "Other dossier" not in listing
    fragment = client.htmx("GET", "/applications").get_data(as_text=True)
    assert "<html" not in fragment and "Other dossier" not in fragment
    call_page = client.get(f"/calls/{world['call'].id}").get_data(as_text=True)
    assert f'data-application-id="{other}"' not in call_page
    export = client.get("/exports/applications.xlsx")
    titles = [row[1] for row in _rows(export)[1:]]
    assert sorted(titles) == ["Own dossier", "Partnered"]


def test_only_the_lead_municipality_edits_notes_and_only_the_coordinator_moves(
    login_as, world
):
    partner_user = login_as("municipality", municipality=world["home"])
    partnered = world["partnered"]
    response = partner_user.form(
        f"/applications/{partnered.id}/notes", {"notes": "x", "version": "1"}
    )
    assert response.status_code == 403
    response = partner_user.form(
        f"/applications/{world['own'].id}/notes",
        {"notes": "Our plan", "version": str(world["own"].version)},
        htmx=True,
    )
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    db.session.refresh(world["own"])
    assert world["own"].notes == "Our plan"
    response = partner_user.form(
        f"/applications/{world['own'].id}/status",
        {"move-status": "withdrawn", "move-version": str(world["own"].version)},
    )
    assert response.status_code == 403
    db.session.refresh(world["own"])
    assert world["own"].status == "submitted"


def test_viewers_see_calls_and_totals_but_no_applications(login_as, world):
    client = login_as("viewer")
    assert client.get("/applications").status_code == 403
    assert client.get(f"/applications/{world['own'].id}").status_code == 403
    assert client.get("/exports/applications.xlsx").status_code == 403
    page = client.get("/calls").get_data(as_text=True)
    assert 'id="regional-totals"' in page and "Open call" in page
    call_page = client.get(f"/calls/{world['call'].id}").get_data(as_text=True)
    assert "Own dossier" not in call_page and 'id="call-figures"' in call_page


# --- status moves over HTTP ---------------------------------------------------------


def test_a_forbidden_move_answers_422_and_explains(login_as, world):
    client = _english(login_as("coordinator"))
    own = world["own"]
    response = client.form(
        f"/applications/{own.id}/status",
        {"move-status": "closed", "move-version": str(own.version)},
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Submitted → Closed is not allowed" in text
    db.session.refresh(own)
    assert own.status == "submitted"


def test_granting_needs_its_fields_then_creates_obligations(login_as, world):
    client = _english(login_as("coordinator"))
    own = world["own"]
    url = f"/applications/{own.id}/status"
    response = client.form(
        url, {"move-status": "granted", "move-version": str(own.version)}
    )
    assert response.status_code == 422
    assert "A decision needs the date of the decision." in response.get_data(
        as_text=True
    )
    response = client.form(
        url,
        {
            "move-status": "granted",
            "move-version": str(own.version),
            "move-decided_on": "2024-03-01",
            "move-granted_amount": "12.500,00",
        },
    )
    assert response.status_code == 303
    db.session.refresh(own)
    assert (own.status, own.granted_amount) == ("granted", Decimal("12500.00"))
    assert [(o.title, o.due_on) for o in own.obligations] == [
        ("Voorschot", date(2024, 3, 29))  # Easter Sunday 31/3 → Friday
    ]


def test_pipeline_moves_with_htmx(login_as, world):
    client = login_as("coordinator")
    other = world["other"]
    response = client.form(
        f"/applications/{other.id}/status?call={world['call'].id}",
        {"move-status": "preparing", "move-version": "1", "from": "pipeline"},
        htmx=True,
    )
    assert response.status_code == 200
    board = response.get_data(as_text=True)
    assert "<html" not in board and 'id="pipeline-board"' in board
    db.session.refresh(other)
    assert other.status == "preparing"
    # Submitting without a date: the card asks for it (422, swapped on the card).
    response = client.form(
        f"/applications/{other.id}/status",
        {
            "move-status": "submitted",
            "move-version": str(other.version),
            "from": "pipeline",
        },
        htmx=True,
    )
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == f"#card-{other.id}"
    assert 'name="move-submitted_on"' in response.get_data(as_text=True)


def test_a_stale_version_answers_409_and_changes_nothing(login_as, world):
    client = login_as("coordinator")
    own = world["own"]
    seen = own.version
    first = client.form(
        f"/applications/{own.id}/notes", {"notes": "first", "version": str(seen)}
    )
    assert first.status_code == 303
    for url, data in [
        (f"/applications/{own.id}/notes", {"notes": "second", "version": str(seen)}),
        (
            f"/applications/{own.id}/status",
            {"move-status": "withdrawn", "move-version": str(seen)},
        ),
    ]:
        response = client.form(url, data, htmx=True)
        assert response.status_code == 409
        assert 'data-status="409"' in response.get_data(as_text=True)
    db.session.refresh(own)
    assert (own.notes, own.status) == ("first", "submitted")


# --- create and edit ----------------------------------------------------------------


def test_creating_a_call_in_brussels_time(login_as, app):
    client = login_as("coordinator")
    data = {
        "title": "E-inclusie 2030",
        "funder": "Vlaamse overheid",
        "opens_at": "2030-03-01T09:00",
        "deadline_at": "2030-07-01T12:00",
        "budget": "25.000.000,00",
        "min_partners": "1",
        "preparation_template": "42 | Conceptnota\n1 | Indienen",
        "reporting_template": "decision | 60 | advance | Voorschot 80%",
    }
    bad = client.form("/calls/new", data | {"deadline_at": "2030-02-01T09:00"})
    assert bad.status_code == 422
    response = client.form("/calls/new", data)
    assert response.status_code == 303
    call = db.session.scalar(select(SubsidyCall))
    assert call.opens_at == datetime(2030, 3, 1, 8, 0, tzinfo=UTC)  # CET
    assert call.deadline_at == datetime(2030, 7, 1, 10, 0, tzinfo=UTC)  # CEST
    assert call.budget == Decimal("25000000.00")
    assert call.preparation_template[0] == {"title": "Conceptnota", "days_before": 42}
    assert call.reporting_template[0]["from"] == "decision"


def test_creating_an_application_creates_tasks_and_refuses_bad_amounts(login_as, world):
    client = login_as("coordinator")
    world["call"].preparation_template = [{"title": "Concept", "days_before": 10}]
    db.session.commit()
    data = {
        "call_id": str(world["call"].id),
        "title": "New dossier",
        "lead_municipality_id": str(world["home"].id),
        "owner_id": str(client.user.id),
        "theme_id": "",
    }
    for amount in ("-5", "abc", "1,2,3", "1e9999", "99999999999"):
        response = client.form("/applications/new", data | {"requested_amount": amount})
        assert response.status_code == 422, amount
    assert db.session.scalar(select(Application).filter_by(title="New dossier")) is None
    response = client.form("/applications/new", data | {"requested_amount": "€ 12 500"})
    assert response.status_code == 303
    created = db.session.scalar(select(Application).filter_by(title="New dossier"))
    assert created.requested_amount == Decimal("12500.00")
    task = db.session.scalar(select(Task).filter_by(application_id=created.id))
    assert task.assignee_id == client.user.id and task.title.startswith("Concept")


def test_partner_shares_over_100_are_refused_over_http(login_as, world):
    client = login_as("coordinator")
    own = world["own"]
    url = f"/applications/{own.id}/partners"
    ok = client.form(
        url, {"partner-municipality_id": world["away"].id, "partner-share_pct": "70"},
        htmx=True,
    )  # fmt: skip
    assert ok.status_code == 200
    third = factories.municipality("Third")
    db.session.commit()
    response = client.form(
        url, {"partner-municipality_id": third.id, "partner-share_pct": "30.5"},
        htmx=True,
    )  # fmt: skip
    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    db.session.refresh(own)
    assert [p.municipality_id for p in own.partners] == [world["away"].id]


def test_payments_make_paid_and_open_balance(login_as, world):
    client = login_as("coordinator")
    own = world["own"]
    own.status, own.granted_amount, own.decided_on = (
        "granted",
        Decimal("10000"),
        date(2024, 2, 1),
    )
    db.session.commit()
    url = f"/applications/{own.id}/payments"
    data = {"payment-paid_on": "2024-03-01", "payment-kind": "advance"}
    assert client.form(url, data | {"payment-amount": "8.000,00"}).status_code == 303
    too_much = client.form(url, data | {"payment-amount": "2000.01"}, htmx=True)
    assert too_much.status_code == 422
    assert "(€\xa010.000,00)" in too_much.get_data(as_text=True)
    page = client.get(f"/applications/{own.id}").get_data(as_text=True)
    assert 'data-paid="8000.00"' in page and 'data-open-balance="2000.00"' in page


# --- export -------------------------------------------------------------------------


def _rows(response):
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    return [[cell.value for cell in row] for row in workbook.active.iter_rows()]


def test_export_writes_amounts_as_euro_numbers(login_as, world):
    client = login_as("coordinator")
    factories.payment(world["own"], "500")
    db.session.commit()
    response = client.get(f"/exports/applications.xlsx?call={world['call'].id}")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "Own dossier")
    requested = row[header.index("Aangevraagd") if "Aangevraagd" in header else 8]
    assert requested.value == 20000
    assert "€" in requested.number_format
    assert row[10].value == 500  # paid


# --- queries ------------------------------------------------------------------------


def _add_applications(call, n):
    for _ in range(n):
        a = factories.application(
            call, partners=[factories.municipality()], status="granted",
            granted_amount=Decimal("5"), submitted_on=date(2024, 1, 1),
            decided_on=date(2024, 2, 1), theme_id=factories.theme().id,
        )  # fmt: skip
        factories.payment(a, "1")
    db.session.commit()


@pytest.mark.parametrize(
    "url", ["/applications", "/calls", "/calls/{call}", "/applications/{app}"]
)
def test_heavy_pages_take_a_fixed_number_of_queries(login_as, world, page_queries, url):
    client = login_as("coordinator")
    url = url.format(call=world["call"].id, app=world["own"].id)
    _add_applications(world["call"], 1)  # every relation in use from the start
    few = page_queries(client, url)
    _add_applications(world["call"], 12)
    many = page_queries(client, url)
    assert len(many) == len(few)


def test_the_export_link_follows_the_filters_swapped_by_htmx(login_as, world):
    client = login_as("coordinator")
    page = client.get("/applications").get_data(as_text=True)
    assert (
        'id="applications-export"' in page
        and "hx-swap-oob" not in page.split('id="applications-export"')[1].split(">")[0]
    )
    fragment = client.htmx("GET", "/applications?status=granted").get_data(as_text=True)
    link = fragment.split('id="applications-export"')[1].split(">")[0]
    assert 'hx-swap-oob="true"' in link
    assert "/exports/applications.xlsx?status=granted" in link
